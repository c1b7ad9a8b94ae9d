using System.Text.Json;
using FraudDetection.Producer.Telemetry;

namespace FraudDetection.Producer.Output;

/// <summary>JSON lines (the <c>transactions</c> topic's value format) to a stream, normally standard output.</summary>
public sealed class StdoutJsonSink : ITransactionSink
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly ProducerMetrics? _metrics;
    private readonly Utf8JsonWriter _writer;
    private long _written;

    public StdoutJsonSink(Stream stream, ProducerMetrics? metrics = null, bool ownsStream = false)
    {
        _stream = new BufferedStream(stream, 1 << 16);
        _ownsStream = ownsStream;
        _metrics = metrics;
        _writer = new Utf8JsonWriter(_stream, new JsonWriterOptions { SkipValidation = true });
    }

    public long Acknowledged => Interlocked.Read(ref _written);

    public long Failed => 0;

    public string? LastError => null;

    public void Send(Transaction transaction, string scenario, ColumnMapping? mapping = null)
    {
        MappedTransactionJson.Write(_writer, transaction, mapping);
        _writer.Flush();
        _writer.Reset();
        _stream.WriteByte((byte)'\n');
        Interlocked.Increment(ref _written);
        _metrics?.Produced(scenario);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            await _stream.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The reader went away (e.g. "| head"): nothing more to deliver.
        }
        if (_ownsStream)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
