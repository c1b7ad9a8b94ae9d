using System.Globalization;

namespace FraudDetection.Benchmarks.Hosting;

/// <summary>A process and everything it started, read from /proc (Linux).</summary>
public static class ProcessTree
{
    /// <summary><paramref name="root"/>'s descendants, deepest first, then <paramref name="root"/> itself.</summary>
    public static IReadOnlyList<int> DescendantsFirst(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(directory) is { } parent)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }
                list.Add(pid);
            }
        }
        var ordered = new List<int>();
        void Visit(int pid)
        {
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                Visit(child);
            }
            ordered.Add(pid);
        }
        Visit(root);
        return ordered;
    }

    /// <summary>
    /// Processes started with <c>--monitor <paramref name="pid"/></c>: DCP, which detaches from the app host that
    /// starts it (its parent is then init), so it is not among the app host's descendants.
    /// </summary>
    public static IReadOnlyList<int> Monitoring(int pid)
    {
        var argument = pid.ToString(CultureInfo.InvariantCulture);
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var candidate))
            {
                continue;
            }
            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (arguments.Zip(arguments.Skip(1)).Any(pair => pair is ("--monitor", var value) && value == argument))
                {
                    found.Add(candidate);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return found;
    }

    /// <summary>
    /// CPU seconds used so far (user + system, its own and that of the children it has reaped) and resident memory of
    /// one process; zeros once it is gone. Reaped children count: a process that runs a short command every few seconds
    /// (DCP probing the container runtime) would otherwise hide its cost.
    /// </summary>
    public static (double CpuSeconds, long RssBytes) Usage(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14–17 of stat (utime, stime, cutime, cstime) in clock ticks, 100 a second on Linux; 24 (rss) in pages.
            var ticks = 0L;
            for (var field = 11; field <= 14; field++)
            {
                ticks += long.Parse(fields[field], CultureInfo.InvariantCulture);
            }
            var pages = long.Parse(fields[21], CultureInfo.InvariantCulture);
            return (ticks / 100.0, pages * Environment.SystemPageSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
    private static int? ParentOf(string directory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null; // gone meanwhile
        }
    }
}
