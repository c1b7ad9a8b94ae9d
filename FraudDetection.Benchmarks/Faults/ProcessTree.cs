using System.Globalization;

namespace FraudDetection.Benchmarks.Faults;

/// <summary>A process and everything it started, read from /proc (Linux): DCP launches a project through <c>dotnet run</c>.</summary>
internal static class ProcessTree
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
