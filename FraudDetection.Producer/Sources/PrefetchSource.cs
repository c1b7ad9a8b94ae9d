using System.Collections.Concurrent;

namespace FraudDetection.Producer.Sources;

/// <summary>
/// Reads another source ahead on a thread of its own, in batches, so that parsing (CSV, gzip) runs on one core
/// while serializing and producing run on another. Used when the rate is unlimited or high.
/// </summary>
public sealed class PrefetchSource : ITransactionSource
{
    private const int BatchSize = 1024;

    private readonly ITransactionSource _inner;
    private readonly BlockingCollection<Batch> _batches = new(boundedCapacity: 16);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _reader;
    private Batch? _current;
    private int _position;
    private Exception? _failure;

    public PrefetchSource(ITransactionSource inner)
    {
        _inner = inner;
        _reader = new Thread(ReadAhead) { IsBackground = true, Name = "producer-prefetch" };
        _reader.Start();
    }

    /// <summary>The inner source's description as it was when the batch being sent was read (a loop's pass moves on ahead).</summary>
    public string Description => _current?.Description ?? _inner.Description;

    public long Skipped => _inner.Skipped;

    public ColumnMapping? Mapping => _inner.Mapping;

    public bool TryNext(out Transaction transaction, out string scenario)
    {
        while (_current is null || _position == _current.Count)
        {
            if (!_batches.TryTake(out _current, Timeout.Infinite))
            {
                if (_failure is not null)
                {
                    throw new InvalidOperationException($"Reading the source failed: {_failure.Message}", _failure);
                }
                transaction = null!;
                scenario = "";
                return false;
            }
            _position = 0;
        }
        transaction = _current.Transactions[_position];
        scenario = _current.Scenarios[_position];
        _position++;
        return true;
    }

    private void ReadAhead()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var batch = new Batch();
                while (batch.Count < BatchSize && _inner.TryNext(out var transaction, out var scenario))
                {
                    batch.Transactions[batch.Count] = transaction;
                    batch.Scenarios[batch.Count] = scenario;
                    if (batch.Count++ == 0)
                    {
                        batch.Description = _inner.Description;
                    }
                }
                if (batch.Count > 0)
                {
                    _batches.Add(batch, _stop.Token);
                }
                if (batch.Count < BatchSize)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            _batches.CompleteAdding();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _reader.Join();
        _inner.Dispose();
        _batches.Dispose();
        _stop.Dispose();
    }

    private sealed class Batch
    {
        public readonly Transaction[] Transactions = new Transaction[BatchSize];
        public readonly string[] Scenarios = new string[BatchSize];
        public int Count;
        public string? Description;
    }
}
