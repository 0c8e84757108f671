package io.fusewire.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON of hand-written topology documents into maps (objects, in their order), lists,
 * strings, doubles, booleans and {@link #NULL}. Strict: one value, nothing after it, no duplicate
 * members, nesting at most {@link #MAX_DEPTH} deep; an error names the line and column.
 */
public final class JsonReader
{
    /** JSON's null. */
    public static final Object NULL = new Object()
    {
        @Override
        public String toString()
        {
            return "null";
        }
    };

    private static final int MAX_DEPTH = 32;

    private final String text;
    private int at;

    private JsonReader(final String text)
    {
        this.text = text;
    }

    /**
     * @param text a JSON document.
     * @return its value.
     * @throws IllegalArgumentException saying where and what is wrong.
     */
    public static Object parse(final String text)
    {
        final JsonReader reader = new JsonReader(text);
        final Object value = reader.value(0);
        reader.skipSpace();
        if (reader.at < text.length())
        {
            throw reader.error("more after the document's end");
        }
        return value;
    }

    private Object value(final int depth)
    {
        if (depth > MAX_DEPTH)
        {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        skipSpace();
        if (at >= text.length())
        {
            throw error("the document ends where a value should be");
        }
        final char c = text.charAt(at);
        return switch (c)
        {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> word("true", Boolean.TRUE);
            case 'f' -> word("false", Boolean.FALSE);
            case 'n' -> word("null", NULL);
            default ->
            {
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    yield number();
                }
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(final int depth)
    {
        final Map<String, Object> members = new LinkedHashMap<>();
        at++;
        skipSpace();
        if (peek('}'))
        {
            return members;
        }
        while (true)
        {
            skipSpace();
            if (at >= text.length() || text.charAt(at) != '"')
            {
                throw error("expected a member name in quotes");
            }
            final int nameAt = at;
            final String name = string();
            skipSpace();
            expect(':');
            if (members.put(name, value(depth + 1)) != null)
            {
                at = nameAt;
                throw error("member '" + name + "' given twice");
            }
            skipSpace();
            if (peek('}'))
            {
                return members;
            }
            expect(',');
        }
    }

    private List<Object> array(final int depth)
    {
        final List<Object> elements = new ArrayList<>();
        at++;
        skipSpace();
        if (peek(']'))
        {
            return elements;
        }
        while (true)
        {
            elements.add(value(depth + 1));
            skipSpace();
            if (peek(']'))
            {
                return elements;
            }
            expect(',');
        }
    }

    private String string()
    {
        final StringBuilder out = new StringBuilder();
        at++;
        while (at < text.length())
        {
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c < 0x20)
            {
                throw error("a control character inside a string");
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            if (at >= text.length())
            {
                break;
            }
            final char escaped = text.charAt(at++);
            switch (escaped)
            {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' ->
                {
                    if (at + 4 > text.length() || !text.substring(at, at + 4).matches("[0-9a-fA-F]{4}"))
                    {
                        throw error("\\u needs four hex digits");
                    }
                    out.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw error("unknown escape \\" + escaped);
            }
        }
        throw error("a string is not closed");
    }

    private Double number()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        final String literal = text.substring(start, at);
        if (!literal.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?"))
        {
            at = start;
            throw error("'" + literal + "' is not a number");
        }
        return Double.valueOf(literal);
    }

    private Object word(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("unexpected '" + text.charAt(at) + "'");
        }
        at += word.length();
        return value;
    }

    private boolean peek(final char c)
    {
        if (at < text.length() && text.charAt(at) == c)
        {
            at++;
            return true;
        }
        return false;
    }

    private void expect(final char c)
    {
        if (!peek(c))
        {
            throw error(at < text.length() ? "expected '" + c + "', found '" + text.charAt(at) + "'" : "expected '" + c + "', found the end");
        }
    }

    private void skipSpace()
    {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(at, text.length()); i++)
        {
            if (text.charAt(i) == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return new IllegalArgumentException("line " + line + ", column " + column + ": " + what);
    }
}
