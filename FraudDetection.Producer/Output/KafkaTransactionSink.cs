using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Producer.Sources;
using FraudDetection.Producer.Telemetry;

namespace FraudDetection.Producer.Output;

/// <summary>
/// Sends transactions to a Kafka topic: key = cc_num (so a card's events stay ordered in one partition), value =
/// the transaction's JSON, header <see cref="Topics.TraceParentHeader"/> = W3C trace context of the send, or
/// <see cref="Topics.HistoryHeader"/> on history rows (scenario <see cref="HistorySource.ScenarioLabel"/>).
/// Tuned for throughput: batches of up to 1 MB, 5 ms linger, no compression, leader acknowledgement.
/// </summary>
public sealed class KafkaTransactionSink : ITransactionSink
{
    private static readonly byte[] HistoryMark = "1"u8.ToArray();

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly ProducerMetrics? _metrics;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<string, Action<DeliveryReport<byte[], byte[]>>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, byte[]> _keys = new();
    private readonly Lock _sendGate = new();
    private long _acknowledged;
    private long _failed;
    private string? _lastError;

    public KafkaTransactionSink(string bootstrapServers, string topic = Topics.Transactions, ProducerMetrics? metrics = null,
        Action<ProducerConfig>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        _topic = topic;
        _metrics = metrics;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        var config = CreateConfig(bootstrapServers);
        configure?.Invoke(config);
        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => RecordError(error.Reason, error.Code.ToString()))
            .SetLogHandler((_, _) => { })
            .Build();
    }

    /// <summary>The producer settings this sink uses (exposed for the benchmark's printout).</summary>
    public static ProducerConfig CreateConfig(string bootstrapServers) => new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        ClientId = "fraud-producer",
        // Idempotent (acks=all): retries while the broker is away neither duplicate nor reorder a card's transactions,
        // and a card's order is what its features read.
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        BatchSize = 1_000_000,
        BatchNumMessages = 10_000,
        CompressionType = CompressionType.None,
        QueueBufferingMaxMessages = 500_000,
        SocketNagleDisable = true,
        // An outage shorter than this loses nothing: the messages wait in the client and go when the broker answers.
        MessageTimeoutMs = 300_000,
        // Delivery reports carry only the status: nothing else is read from them.
        DeliveryReportFields = "status",
    }.WithLongPollSlices();

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Failed => Interlocked.Read(ref _failed);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Serializes and hands one transaction to librdkafka; safe to call from several threads.</summary>
    public void Send(Transaction transaction, string scenario, ColumnMapping? mapping = null)
    {
        lock (_sendGate)
        {
            SendLocked(transaction, scenario, mapping);
        }
    }

    private void SendLocked(Transaction transaction, string scenario, ColumnMapping? mapping)
    {
        // History primes Scoring's card state and is never scored: it gets its header and no trace.
        var history = scenario == HistorySource.ScenarioLabel;
        using var activity = history ? null : ProducerActivity.Source.StartActivity($"{_topic} publish", ActivityKind.Producer);
        Headers? headers = null;
        var context = activity ?? Activity.Current;
        if (history)
        {
            headers = new Headers { { Topics.HistoryHeader, HistoryMark } };
        }
        else if (context is { IdFormat: ActivityIdFormat.W3C })
        {
            activity?.SetTag("messaging.system", "kafka");
            activity?.SetTag("messaging.destination.name", _topic);
            activity?.SetTag("fraud.scenario", scenario);
            headers = TraceHeaders.For(context);
        }

        _buffer.ResetWrittenCount();
        _writer.Reset();
        MappedTransactionJson.Write(_writer, transaction, mapping);
        _writer.Flush();
        var message = new Message<byte[], byte[]> { Key = KeyOf(transaction.CcNum), Value = _buffer.WrittenSpan.ToArray(), Headers = headers };
        var handler = HandlerFor(scenario);
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, handler);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's queue is full: wait for acknowledgements to drain it.
                Thread.Sleep(1);
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                RecordError(e.Error.Reason, e.Error.Code.ToString());
                Interlocked.Increment(ref _failed);
                return;
            }
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            while (_producer.Flush(TimeSpan.FromMilliseconds(200)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }, cancellationToken);

    /// <summary>How long disposing waits for unacknowledged messages.</summary>
    public TimeSpan DisposeFlushTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public ValueTask DisposeAsync()
    {
        _producer.Flush(DisposeFlushTimeout);
        _producer.Dispose();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }

    private byte[] KeyOf(long ccNum)
    {
        if (_keys.TryGetValue(ccNum, out var key))
        {
            return key;
        }
        key = Encoding.ASCII.GetBytes(ccNum.ToString(CultureInfo.InvariantCulture));
        if (_keys.Count < 100_000)
        {
            _keys[ccNum] = key;
        }
        return key;
    }

    private Action<DeliveryReport<byte[], byte[]>> HandlerFor(string scenario)
    {
        if (!_handlers.TryGetValue(scenario, out var handler))
        {
            handler = report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref _failed);
                    RecordError(report.Error.Reason, report.Error.Code.ToString());
                }
                else
                {
                    Interlocked.Increment(ref _acknowledged);
                    _metrics?.Produced(scenario);
                }
            };
            _handlers[scenario] = handler;
        }
        return handler;
    }

    private void RecordError(string reason, string code)
    {
        Volatile.Write(ref _lastError, $"{code}: {reason}");
        _metrics?.Error(code);
    }
}
