using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FraudDetection.Core.Transactions;

/// <summary>A CSV row that was skipped: its 1-based physical line number and why.</summary>
public sealed record CsvRowError(long LineNumber, string Reason);

/// <summary>
/// Reads and writes the Kaggle "Credit Card Transactions Fraud Detection" CSV layout (plain or gzip):
/// an optional leading unnamed index column, RFC 4180 quoting, CRLF or LF line ends, columns found by header name.
/// A row that does not parse is reported through <c>onError</c> and skipped; it never becomes a half-filled
/// transaction and never stops the read.
/// </summary>
public static class TransactionCsv
{
    /// <summary>The Kaggle columns in file order (after the unnamed index column).</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "trans_date_trans_time", "cc_num", "merchant", "category", "amt", "first", "last", "gender", "street",
        "city", "state", "zip", "lat", "long", "city_pop", "job", "dob", "trans_num", "unix_time", "merch_lat",
        "merch_long", "is_fraud",
    ];

    /// <summary>Streams the transactions of a plain or gzip (detected by its magic bytes) CSV file.</summary>
    public static IEnumerable<Transaction> ReadFile(string path, Action<CsvRowError>? onError = null)
    {
        using var text = OpenText(path);
        foreach (var transaction in Read(text, onError))
        {
            yield return transaction;
        }
    }

    /// <summary>Streams the transactions of CSV text; the first line is the header.</summary>
    public static IEnumerable<Transaction> Read(TextReader reader, Action<CsvRowError>? onError = null)
    {
        var rows = new TransactionCsvReader(reader, onError);
        while (rows.TryRead(out var transaction))
        {
            yield return transaction;
        }
    }

    /// <summary>Opens a plain or gzip CSV file as text (UTF-8, large buffers).</summary>
    public static TextReader OpenText(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            Stream stream = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
            return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes the header and one row per transaction (index column first, quoting where needed, CRLF).</summary>
    public static long Write(TextWriter writer, IEnumerable<Transaction> transactions)
    {
        WriteHeader(writer);
        return WriteRows(writer, transactions, firstIndex: 0);
    }

    /// <summary>Writes the header line: the unnamed index column, then <see cref="Columns"/>.</summary>
    public static void WriteHeader(TextWriter writer)
    {
        writer.Write(',');
        writer.Write(string.Join(',', Columns));
        writer.Write("\r\n");
    }

    /// <summary>Writes one row per transaction, numbering the index column from <paramref name="firstIndex"/>; returns the next index.</summary>
    public static long WriteRows(TextWriter writer, IEnumerable<Transaction> transactions, long firstIndex)
    {
        var index = firstIndex;
        Span<char> number = stackalloc char[32];
        foreach (var t in transactions)
        {
            WriteFormattable(writer, index++, number, null);
            writer.Write(',');
            WriteFormattable(writer, t.TransDateTransTime, number, KaggleDateTimeJsonConverter.Format);
            writer.Write(',');
            WriteFormattable(writer, t.CcNum, number, null);
            writer.Write(',');
            WriteText(writer, t.Merchant);
            writer.Write(',');
            WriteText(writer, t.Category);
            writer.Write(',');
            WriteDouble(writer, t.Amt, number);
            writer.Write(',');
            WriteText(writer, t.First);
            writer.Write(',');
            WriteText(writer, t.Last);
            writer.Write(',');
            WriteText(writer, t.Gender);
            writer.Write(',');
            WriteText(writer, t.Street);
            writer.Write(',');
            WriteText(writer, t.City);
            writer.Write(',');
            WriteText(writer, t.State);
            writer.Write(',');
            WriteFormattable(writer, t.Zip, number, null);
            writer.Write(',');
            WriteDouble(writer, t.Lat, number);
            writer.Write(',');
            WriteDouble(writer, t.Long, number);
            writer.Write(',');
            WriteFormattable(writer, t.CityPop, number, null);
            writer.Write(',');
            WriteText(writer, t.Job);
            writer.Write(',');
            WriteFormattable(writer, t.Dob, number, KaggleDateJsonConverter.Format);
            writer.Write(',');
            WriteText(writer, t.TransNum);
            writer.Write(',');
            WriteFormattable(writer, t.UnixTime, number, null);
            writer.Write(',');
            WriteDouble(writer, t.MerchLat, number);
            writer.Write(',');
            WriteDouble(writer, t.MerchLong, number);
            writer.Write(',');
            if (t.IsFraud is { } isFraud)
            {
                WriteFormattable(writer, isFraud, number, null);
            }
            writer.Write("\r\n");
        }
        return index;
    }

    /// <summary>Writes a CSV file, gzip-compressed when the name ends in <c>.gz</c>.</summary>
    public static long WriteFile(string path, IEnumerable<Transaction> transactions)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.SmallestSize)
            : file;
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        return Write(writer, transactions);
    }

    private static void WriteFormattable<T>(TextWriter writer, T value, Span<char> buffer, string? format) where T : ISpanFormattable
    {
        value.TryFormat(buffer, out var written, format, CultureInfo.InvariantCulture);
        writer.Write(buffer[..written]);
    }

    // Shortest round-trip form, with ".0" on whole numbers as pandas writes them (45.0, not 45).
    private static void WriteDouble(TextWriter writer, double value, Span<char> buffer)
    {
        value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture);
        writer.Write(buffer[..written]);
        if (double.IsFinite(value) && buffer[..written].IndexOfAny('.', 'E', 'e') < 0)
        {
            writer.Write(".0");
        }
    }

    // RFC 4180: quote a field holding a comma or quote, doubling the quotes. Line breaks become spaces because
    // the reader treats each line as one row (no Kaggle field holds one).
    private static void WriteText(TextWriter writer, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            writer.Write(value);
            return;
        }
        writer.Write('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    writer.Write("\"\"");
                    break;
                case '\r' or '\n':
                    writer.Write(' ');
                    break;
                default:
                    writer.Write(c);
                    break;
            }
        }
        writer.Write('"');
    }
}
