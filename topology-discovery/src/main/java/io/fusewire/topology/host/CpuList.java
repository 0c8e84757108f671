package io.fusewire.topology.host;

/** The kernel's CPU list format, {@code 0-3,8,10-11}. */
final class CpuList
{
    private CpuList()
    {
    }

    /** @return how many CPUs the list names; 0 for an empty or malformed list. */
    static int count(final String list)
    {
        int count = 0;
        for (final String range : list.strip().split(","))
        {
            if (range.isEmpty())
            {
                continue;
            }
            final String[] ends = range.split("-");
            try
            {
                final int first = Integer.parseInt(ends[0]);
                final int last = ends.length == 1 ? first : Integer.parseInt(ends[1]);
                if (ends.length > 2 || first < 0 || last < first)
                {
                    return 0;
                }
                count += last - first + 1;
            }
            catch (final NumberFormatException ex)
            {
                return 0;
            }
        }
        return count;
    }
}
