package io.fusewire.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One object of a hand-written JSON document ({@link JsonReader}), read member by member with its
 * place in the document named in every error ({@code nics[1].mtu: expected a whole number}).
 *
 * @param members the object's members.
 * @param where   its place, e.g. {@code the document} or {@code nics[1]}.
 */
public record JsonMembers(Map<?, ?> members, String where)
{
    /**
     * @param value a parsed value.
     * @param where its place.
     * @return it as an object.
     * @throws IllegalArgumentException if it is not one.
     */
    public static JsonMembers of(final Object value, final String where)
    {
        if (!(value instanceof Map<?, ?> map))
        {
            throw new IllegalArgumentException(where + " must be an object {...}");
        }
        return new JsonMembers(map, where);
    }

    /** @throws IllegalArgumentException naming a member not among {@code names} (a typo). */
    public void allow(final String... names)
    {
        final Set<String> known = Set.of(names);
        for (final Object name : members.keySet())
        {
            if (!known.contains(name))
            {
                throw new IllegalArgumentException(where + ": unknown member \"" + name + "\" (known: " + String.join(", ", names) + ")");
            }
        }
    }

    /** @return what {@code read} makes of the object; throws if {@code name} is missing. */
    public <T> T required(final String name, final Function<JsonMembers, T> read)
    {
        if (!members.containsKey(name))
        {
            throw new IllegalArgumentException(where + ": \"" + name + "\" is missing");
        }
        return read.apply(this);
    }

    /** @return the string member, or {@code absent}. */
    public String string(final String name, final String absent)
    {
        final Object value = members.get(name);
        if (value == null)
        {
            return absent;
        }
        if (!(value instanceof String text))
        {
            throw new IllegalArgumentException(place(name) + ": expected a string, got " + value);
        }
        return text;
    }

    /** @return the whole-number member, or {@code absent}. */
    public int integer(final String name, final int absent)
    {
        final Object value = members.get(name);
        if (value == null)
        {
            return absent;
        }
        if (!(value instanceof Double number) || number != Math.rint(number) || Math.abs(number) > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(place(name) + ": expected a whole number, got " + value);
        }
        return number.intValue();
    }

    /** @return the list of strings, empty if absent. */
    public List<String> strings(final String name)
    {
        return strings(list(name), place(name));
    }

    /** @return the list of lists of strings (racks of host names), empty if absent. */
    public List<List<String>> stringLists(final String name)
    {
        final List<?> values = list(name);
        final List<List<String>> lists = new ArrayList<>();
        for (int i = 0; i < values.size(); i++)
        {
            if (!(values.get(i) instanceof List<?> inner))
            {
                throw new IllegalArgumentException(place(name) + "[" + i + "]: expected a list [...], got " + values.get(i));
            }
            lists.add(strings(inner, place(name) + "[" + i + "]"));
        }
        return lists;
    }

    /** @return the list of objects, empty if absent. */
    public List<JsonMembers> objects(final String name)
    {
        final List<?> values = list(name);
        final List<JsonMembers> objects = new ArrayList<>();
        for (int i = 0; i < values.size(); i++)
        {
            objects.add(of(values.get(i), place(name) + "[" + i + "]"));
        }
        return objects;
    }

    private List<?> list(final String name)
    {
        final Object value = members.get(name);
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof List<?> list))
        {
            throw new IllegalArgumentException(place(name) + ": expected a list [...], got " + value);
        }
        return list;
    }

    private static List<String> strings(final List<?> values, final String at)
    {
        final List<String> texts = new ArrayList<>();
        for (int i = 0; i < values.size(); i++)
        {
            if (!(values.get(i) instanceof String text))
            {
                throw new IllegalArgumentException(at + "[" + i + "]: expected a string, got " + values.get(i));
            }
            texts.add(text);
        }
        return texts;
    }

    private String place(final String name)
    {
        return where.equals("the document") ? name : where + "." + name;
    }
}
