using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Drift;

/// <summary>Polls Scoring's drift every <see cref="DriftWatchOptions.PollInterval"/> and hands each reading to the <see cref="DriftRetrainTrigger"/>.</summary>
public sealed class DriftWatcher(
    IDriftReadings readings,
    Runs.TrainingRunQueue queue,
    IOptions<DriftWatchOptions> options,
    TimeProvider timeProvider,
    ILogger<DriftWatcher> logger) : BackgroundService
{
    private readonly DriftRetrainTrigger trigger = new(queue, options.Value, logger);
    private bool unreachable;

    /// <summary>The last reading (null before the first, or when Scoring was not reachable).</summary>
    public DriftReading? Last { get; private set; }

    public DriftRetrainTrigger Trigger => trigger;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Drift watch: retraining when the score's PSI stays above {Threshold} for {Sustain}", options.Value.PsiThreshold, options.Value.SustainFor);
        using var timer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        do
        {
            await PollAsync(stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>One reading; Scoring out of reach or answering nonsense counts as no reading (the PSI has not been seen high).</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        DriftReading? reading = null;
        try
        {
            reading = await readings.ReadAsync(cancellationToken);
            unreachable = false;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever fails here (refused, a resilience timeout, a broken answer), the host must not stop: a background
            // service that throws stops the Training host, and Scoring starts after Training.
            if (!unreachable)
            {
                logger.LogInformation("Drift watch: Scoring's stats unreadable ({Message}); trying again every {Interval}", e.Message, options.Value.PollInterval);
            }
            unreachable = true;
        }
        Last = reading;
        trigger.Consider(reading, timeProvider.GetUtcNow());
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
