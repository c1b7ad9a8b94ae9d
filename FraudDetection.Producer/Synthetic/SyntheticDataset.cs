using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace FraudDetection.Producer.Synthetic;

/// <summary>What <see cref="SyntheticDataset.Write"/> wrote.</summary>
public sealed record SyntheticDatasetSummary(long Rows, long Frauds, DateTime? First, DateTime? Last, long Bytes, TimeSpan Elapsed)
{
    public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// A labelled data set in the Kaggle layout (the columns, quoting and CRLF of <see cref="TransactionCsv"/>), written
/// from <see cref="SyntheticTraffic"/>: every event from the settings' start up to and including <c>end</c>. The same
/// settings and end give the same bytes. One thread generates and formats rows while this one compresses and writes.
/// </summary>
public static class SyntheticDataset
{
    private const int RowsPerChunk = 8192;

    /// <summary>
    /// Writes the file (gzip when its name ends in <c>.gz</c>) through a temporary file renamed at the end, so an
    /// interrupted run never leaves a file that looks complete.
    /// </summary>
    public static SyntheticDatasetSummary Write(SyntheticSettings settings, DateTime end, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (end < settings.Start)
        {
            throw new ArgumentException($"The end ({end:yyyy-MM-dd HH:mm:ss}) is before the start ({settings.Start:yyyy-MM-dd HH:mm:ss}).", nameof(end));
        }
        var traffic = new SyntheticTraffic(settings);
        var started = Stopwatch.GetTimestamp();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".partial";

        using var chunks = new BlockingCollection<(byte[] Bytes, int Length)>(boundedCapacity: 4);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var counts = new Counts();
        var generator = Task.Factory.StartNew(() => Generate(traffic, end, chunks, counts, stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        long bytes;
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var output = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                       ? new GZipStream(file, CompressionLevel.Fastest)
                       : (Stream)file)
            {
                foreach (var (chunk, length) in chunks.GetConsumingEnumerable(CancellationToken.None))
                {
                    output.Write(chunk, 0, length);
                    ArrayPool<byte>.Shared.Return(chunk);
                }
                output.Flush();
                generator.GetAwaiter().GetResult();
            }
            bytes = new FileInfo(temporary).Length;
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            // Stop the generator if this side failed, then leave no partial file behind.
            stop.Cancel();
            try
            {
                generator.Wait();
            }
            catch (AggregateException)
            {
            }
            File.Delete(temporary);
            throw;
        }
        return new SyntheticDatasetSummary(counts.Rows, counts.Frauds, counts.First, counts.Last, bytes, Stopwatch.GetElapsedTime(started));
    }

    private sealed class Counts
    {
        public long Rows;
        public long Frauds;
        public DateTime? First;
        public DateTime? Last;
    }

    private static void Generate(SyntheticTraffic traffic, DateTime end, BlockingCollection<(byte[] Bytes, int Length)> chunks, Counts counts,
        CancellationToken cancellationToken)
    {
        try
        {
            var text = new MemoryStream(1 << 22);
            using var writer = new StreamWriter(text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
            TransactionCsv.WriteHeader(writer);
            var batch = new List<Transaction>(RowsPerChunk);
            var done = false;
            while (!done)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                while (batch.Count < RowsPerChunk)
                {
                    var next = traffic.Next().Transaction;
                    if (next.TransDateTransTime > end)
                    {
                        done = true;
                        break;
                    }
                    batch.Add(next);
                    if (next.IsFraud == 1)
                    {
                        counts.Frauds++;
                    }
                }
                if (batch.Count > 0)
                {
                    counts.First ??= batch[0].TransDateTransTime;
                    counts.Last = batch[^1].TransDateTransTime;
                }
                counts.Rows = TransactionCsv.WriteRows(writer, batch, counts.Rows);
                writer.Flush();
                var chunk = ArrayPool<byte>.Shared.Rent((int)text.Length);
                text.GetBuffer().AsSpan(0, (int)text.Length).CopyTo(chunk);
                chunks.Add((chunk, (int)text.Length), cancellationToken);
                text.SetLength(0);
            }
        }
        finally
        {
            chunks.CompleteAdding();
        }
    }
}
