using System.Collections.Concurrent;
using System.Threading.Channels;
using FraudDetection.Training.Options;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Runs;

/// <summary>Training runs waiting, in progress and finished: the API and the scheduler enqueue, the worker runs one at a time.</summary>
public sealed class TrainingRunQueue
{
    private readonly Channel<string> _pending;
    private readonly ConcurrentDictionary<string, TrainingRunStatus> _runs = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _history;

    public TrainingRunQueue(IOptions<TrainingOptions> options, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _history = options.Value.RunHistory;
        _pending = Channel.CreateBounded<string>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });
    }

    /// <summary>Queues a run (<paramref name="tags"/>: added to its tracked run's tags); null when the queue is full.</summary>
    public TrainingRunStatus? TryEnqueue(string trigger, IReadOnlyDictionary<string, string>? tags = null)
    {
        var status = new TrainingRunStatus
        {
            Id = Guid.NewGuid().ToString("N")[..12],
            Trigger = trigger,
            QueuedAt = _timeProvider.GetUtcNow(),
            Tags = tags ?? new Dictionary<string, string>(),
        };
        _runs[status.Id] = status;
        if (!_pending.Writer.TryWrite(status.Id))
        {
            _runs.TryRemove(status.Id, out _);
            return null;
        }

        _order.Enqueue(status.Id);
        while (_order.Count > _history && _order.TryPeek(out var oldest) && _runs.TryGetValue(oldest, out var old) && old.State is TrainingRunState.Succeeded or TrainingRunState.Failed)
        {
            _order.TryDequeue(out _);
            _runs.TryRemove(oldest, out _);
        }

        return status;
    }

    public TrainingRunStatus? Get(string id) => _runs.GetValueOrDefault(id);

    /// <summary>Newest first.</summary>
    public IReadOnlyList<TrainingRunStatus> List() => _runs.Values.OrderByDescending(run => run.QueuedAt).ThenByDescending(run => run.Id).ToList();

    public TrainingRunStatus Update(string id, Func<TrainingRunStatus, TrainingRunStatus> change)
        => _runs.AddOrUpdate(id, _ => throw new KeyNotFoundException(id), (_, current) => change(current));

    public void AppendLog(string id, string line)
        => Update(id, run => run with { Log = [.. run.Log.TakeLast(199), $"{_timeProvider.GetUtcNow():HH:mm:ss} {line}"] });

    internal ChannelReader<string> Pending => _pending.Reader;
}
