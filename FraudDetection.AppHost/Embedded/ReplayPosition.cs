using System.Text.Json;
using System.Text.Json.Serialization;
using FraudDetection.Core.Transactions;

namespace FraudDetection.AppHost.Embedded;

/// <summary>
/// Where the embedded replay stopped, so that a second run goes on from there: the broker keeps messages in memory
/// only, so the AppHost remembers the position and replays the rest of the file (Scoring's dedupe window absorbs
/// the small overlap it keeps on purpose).
/// </summary>
public sealed record ReplayPosition(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("file_length")] long FileLength,
    [property: JsonPropertyName("row")] long Row)
{
    /// <summary>Rows replayed again at a resume: produced but perhaps not yet scored when the previous run stopped.</summary>
    public const long Overlap = 2_000;

    private const string FileName = "replay-position.json";

    public static string Folder(string dataDirectory) => Directory.CreateDirectory(Path.Combine(dataDirectory, "apphost")).FullName;

    public static ReplayPosition? Load(string dataDirectory, string file)
    {
        var path = Path.Combine(Folder(dataDirectory), FileName);
        try
        {
            var saved = System.IO.File.Exists(path) ? JsonSerializer.Deserialize<ReplayPosition>(System.IO.File.ReadAllBytes(path)) : null;
            // Another file (or the same name with other content) starts from the top.
            return saved is not null && saved.File == file && saved.FileLength == new FileInfo(file).Length ? saved : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(string dataDirectory)
    {
        var path = Path.Combine(Folder(dataDirectory), FileName);
        System.IO.File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(this));
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>
    /// The file the Producer replays this run: <paramref name="file"/> itself from the top, or a copy of its rows from
    /// the saved position on (written under the data directory). Returns the row the run starts at.
    /// </summary>
    public static (string ReplayFile, long StartRow) Prepare(string dataDirectory, string file)
    {
        var saved = Load(dataDirectory, file);
        var start = saved is null ? 0 : Math.Max(0, saved.Row - Overlap);
        if (start == 0)
        {
            return (file, 0);
        }
        var rest = Path.Combine(Folder(dataDirectory), "replay-rest.csv");
        var written = TransactionCsv.WriteFile(rest, TransactionCsv.ReadFile(file).Skip((int)Math.Min(start, int.MaxValue)));
        // The previous runs reached the end of the file: this run starts from the top again.
        return written == 0 ? (file, 0) : (rest, start);
    }
}
