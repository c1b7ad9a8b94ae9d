using System.Text;
using System.Text.Json;

namespace FraudDetection.Notifier.Outbox;

/// <summary>
/// Dry-run outbox: every message as the exact request that would have gone out, appended as one JSON line
/// to <c>{DataDirectory}/notifier/outbox.jsonl</c> and kept (most recent first) for <c>GET /api/notifications</c>.
/// </summary>
public sealed class NotificationOutbox
{
    private readonly object _gate = new();
    private readonly LinkedList<OutboxEntry> _recent = new();
    private readonly int _capacity;

    public NotificationOutbox(string filePath, int capacity)
    {
        FilePath = filePath;
        _capacity = Math.Max(1, capacity);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
        foreach (var line in TailLines(filePath))
        {
            if (TryParse(line) is { } entry)
            {
                Remember(entry);
            }
        }
    }

    /// <summary>The file's last lines only (it grows for as long as dry-run runs): enough for the recent list.</summary>
    private static IEnumerable<string> TailLines(string filePath, long maxBytes = 4 * 1024 * 1024)
    {
        if (!File.Exists(filePath))
        {
            yield break;
        }
        using var stream = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var skipPartialLine = stream.Length > maxBytes;
        if (skipPartialLine)
        {
            stream.Seek(-maxBytes, SeekOrigin.End);
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (skipPartialLine)
        {
            reader.ReadLine();
        }
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    public string FilePath { get; }

    public void Append(OutboxEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, NotifierJsonContext.Readable.OutboxEntry);
        lock (_gate)
        {
            File.AppendAllText(FilePath, line + "\n", Encoding.UTF8);
            Remember(entry);
        }
    }

    public IReadOnlyList<OutboxEntry> Recent(int limit)
    {
        lock (_gate)
        {
            return _recent.Take(Math.Clamp(limit, 1, _capacity)).ToList();
        }
    }

    private void Remember(OutboxEntry entry)
    {
        _recent.AddFirst(entry);
        while (_recent.Count > _capacity)
        {
            _recent.RemoveLast();
        }
    }

    private static OutboxEntry? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(line, NotifierJsonContext.Readable.OutboxEntry);
        }
        catch (JsonException)
        {
            // A line cut short by a crash: skip it, keep the rest.
            return null;
        }
    }
}
