using Cronos;
using FraudDetection.Training.Options;
using FraudDetection.Training.Runs;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Schedule;

/// <summary>Queues a retraining run at each occurrence of the <c>Training:Schedule</c> cron (default 03:00 daily), on the injected TimeProvider.</summary>
public sealed class TrainingScheduler : BackgroundService
{
    private readonly TrainingRunQueue _queue;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TrainingScheduler> _logger;
    private readonly CronExpression _cron;
    private readonly TimeZoneInfo _timeZone;
    private readonly bool _enabled;

    public TrainingScheduler(TrainingRunQueue queue, IOptions<TrainingOptions> options, TimeProvider timeProvider, ILogger<TrainingScheduler> logger)
    {
        _queue = queue;
        _timeProvider = timeProvider;
        _logger = logger;
        _enabled = options.Value.ScheduleEnabled;
        _cron = Parse(options.Value.Schedule);
        _timeZone = FindTimeZone(options.Value.TimeZone);
    }

    /// <summary>When the next scheduled run is due (set once the timer for it is armed); null when none.</summary>
    public DateTimeOffset? NextRunAt { get; private set; }

    public static CronExpression Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new InvalidOperationException($"Training:Schedule '{expression}' is not a valid cron expression (5 fields, e.g. '0 3 * * *' for 03:00 daily): {e.Message}", e);
        }
    }

    private static TimeZoneInfo FindTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException e)
        {
            throw new InvalidOperationException($"Training:TimeZone '{id}' is not a known time zone id.", e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_enabled)
        {
            _logger.LogInformation("Scheduled retraining is off (Training:ScheduleEnabled=false)");
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = _timeProvider.GetUtcNow();
            var next = _cron.GetNextOccurrence(now, _timeZone);
            if (next is null)
            {
                NextRunAt = null;
                return;
            }

            var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (_timeProvider.CreateTimer(_ => due.TrySetResult(), null, Max(next.Value - now, TimeSpan.Zero), Timeout.InfiniteTimeSpan))
            {
                NextRunAt = next;
                _logger.LogInformation("Next scheduled retraining at {Next:o}", next);
                try
                {
                    await due.Task.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (_timeProvider.GetUtcNow() < next.Value)
            {
                continue; // woke early (clock moved back): wait again
            }

            var run = _queue.TryEnqueue("schedule");
            if (run is null)
            {
                _logger.LogWarning("Scheduled retraining at {Due:o} skipped: the run queue is full", next);
            }
            else
            {
                _logger.LogInformation("Scheduled retraining {Id} queued for {Due:o}", run.Id, next);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
