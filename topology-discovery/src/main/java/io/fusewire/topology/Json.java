package io.fusewire.topology;

import java.util.List;
import java.util.stream.Collectors;

/** The few pieces of JSON that topology documents are written with. */
public final class Json
{
    private Json()
    {
    }

    /** @return {@code text} as a JSON string, quotes and backslashes escaped. */
    public static String quote(final String text)
    {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** @return the elements, already JSON, as an array. */
    public static String array(final List<String> elements)
    {
        return elements.stream().collect(Collectors.joining(",", "[", "]"));
    }

    /** @return the texts as an array of JSON strings. */
    public static String strings(final List<String> texts)
    {
        return array(texts.stream().map(Json::quote).toList());
    }

    /** @return lists of texts (racks of host names) as an array of arrays. */
    public static String nested(final List<List<String>> lists)
    {
        return array(lists.stream().map(Json::strings).toList());
    }
}
