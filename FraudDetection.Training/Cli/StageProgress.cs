using FraudDetection.Training.Trainers;
using Spectre.Console;

namespace FraudDetection.Training.Cli;

/// <summary>
/// Shows <see cref="TrainingProgress"/>s: Spectre.Console's live progress on a terminal; plain lines when output is
/// redirected (a log, CI, tests), where a live display only garbles the text and where Spectre allows one live display
/// per process, so two commands run side by side in one process (as tests do) would refuse each other.
/// </summary>
public static class StageProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="work"/> with a progress sink; <paramref name="echo"/> picks updates also printed as lines on a terminal.</summary>
    public static async Task<T> RunAsync<T>(Func<IProgress<TrainingProgress>, Task<T>> work, Func<TrainingProgress, bool>? echo = null)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await work(new PlainLines(echo));
        }
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new Progress<TrainingProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task))
                    {
                        foreach (var earlier in tasks.Values)
                        {
                            earlier.Value = earlier.MaxValue;
                            earlier.StopTask();
                        }
                        tasks[p.Stage] = task = context.AddTask(p.Stage);
                        task.IsIndeterminate = true;
                    }
                    task.Description = $"{p.Stage}: {Markup.Escape(p.Message)}";
                    if (echo?.Invoke(p) == true)
                    {
                        AnsiConsole.MarkupLine(Markup.Escape(p.Message));
                    }
                    if (p is { Total: > 0 and var total, Done: var done })
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = total;
                        task.Value = done ?? 0;
                    }
                });
                result = await work(progress);
                foreach (var task in tasks.Values)
                {
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
        return result;
    }

    /// <summary>A line when the stage changes, then at most one every few seconds.</summary>
    private sealed class PlainLines(Func<TrainingProgress, bool>? echo) : IProgress<TrainingProgress>
    {
        private readonly Lock gate = new();
        private string? stage;
        private long lastAt;

        public void Report(TrainingProgress value)
        {
            lock (gate)
            {
                var now = TimeProvider.System.GetTimestamp();
                if (value.Stage == stage && TimeProvider.System.GetElapsedTime(lastAt, now) < PlainInterval && echo?.Invoke(value) != true)
                {
                    return;
                }
                stage = value.Stage;
                lastAt = now;
                var share = value is { Total: > 0 and var total, Done: { } done } ? $" ({100.0 * done / total:F0}%)" : "";
                Console.WriteLine($"{value.Stage}: {value.Message}{share}");
            }
        }
    }
}
