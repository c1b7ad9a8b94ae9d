using System.Text.Json;
using System.Text.Json.Serialization;

namespace FraudDetection.Producer.Sources;

/// <summary>
/// How far a replay got, so that the next run of the Producer on the same data directory goes on from there
/// (<c>Producer:ResumeReplay</c>). The development broker keeps messages in memory only, so what it held is gone
/// after a restart: the Producer resumes a little before the saved row (<see cref="Overlap"/>: produced but perhaps
/// not scored yet), and Scoring drops what it has already seen by trans_num.
/// </summary>
public sealed record ReplayPosition(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("file_length")] long FileLength,
    [property: JsonPropertyName("row")] long Row)
{
    /// <summary>Rows replayed again at a resume.</summary>
    public const long Overlap = 2_000;

    public const string FileName = "replay-position.json";

    /// <summary>The saved position for <paramref name="file"/>, or null (none, another file, or the file changed).</summary>
    public static ReplayPosition? Load(string folder, string file)
    {
        var path = Path.Combine(folder, FileName);
        try
        {
            var saved = System.IO.File.Exists(path) ? JsonSerializer.Deserialize<ReplayPosition>(System.IO.File.ReadAllBytes(path)) : null;
            return saved is not null && saved.File == Path.GetFullPath(file) && saved.FileLength == new FileInfo(file).Length ? saved : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The row a run resumes at: the saved one less <see cref="Overlap"/>, or 0.</summary>
    public static long ResumeRow(string folder, string file) => Load(folder, file) is { } saved ? Math.Max(0, saved.Row - Overlap) : 0;

    /// <summary>Writes the position (write then rename, so a crash leaves the previous one).</summary>
    public void Save(string folder)
    {
        var path = Path.Combine(folder, FileName);
        System.IO.File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(this));
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
    }
}
