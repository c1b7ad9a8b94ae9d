using FraudDetection.Producer.Output;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;
using Spectre.Console;

namespace FraudDetection.Producer.Cli;

/// <summary>
/// Progress of a long run on standard error (sent, rate, errors): a Spectre.Console progress bar on a terminal,
/// a plain line every few seconds when standard error is redirected. Standard output stays clean for --stdout.
/// </summary>
public sealed class CliProgress : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _display;

    private CliProgress(Func<CancellationToken, Task> display)
    {
        _display = Task.Run(() => display(_stop.Token));
    }

    public static CliProgress Start(ITransactionSource source, ITransactionSink sink, RunCounters counters, long? count, double? rate)
    {
        string Line(double perSecond) =>
            $"{source.Description}: sent {counters.Sent:N0}{(count is { } c ? $"/{c:N0}" : "")}, {perSecond:N0} tx/s "
            + $"(target {(rate is { } r ? r.ToString("N0") : "max")}), acknowledged {sink.Acknowledged:N0}, errors {sink.Failed + source.Skipped:N0}";

        if (Console.IsErrorRedirected)
        {
            return new CliProgress(async token =>
            {
                var last = (Sent: 0L, At: TimeProvider.System.GetTimestamp());
                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    var now = (Sent: counters.Sent, At: TimeProvider.System.GetTimestamp());
                    var perSecond = (now.Sent - last.Sent) / TimeProvider.System.GetElapsedTime(last.At, now.At).TotalSeconds;
                    last = now;
                    await Console.Error.WriteLineAsync(Line(perSecond));
                }
            });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return new CliProgress(token => console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(source.Description, maxValue: count ?? 1);
                task.IsIndeterminate = count is null;
                var last = (Sent: 0L, At: TimeProvider.System.GetTimestamp());
                while (true)
                {
                    var stopping = token.IsCancellationRequested;
                    var now = (Sent: counters.Sent, At: TimeProvider.System.GetTimestamp());
                    var elapsed = TimeProvider.System.GetElapsedTime(last.At, now.At).TotalSeconds;
                    if (elapsed >= 0.5 || stopping)
                    {
                        task.Description = Markup.Escape(Line(elapsed > 0 ? (now.Sent - last.Sent) / elapsed : 0));
                        last = now;
                    }
                    if (count is not null)
                    {
                        task.Value = now.Sent;
                    }
                    if (stopping)
                    {
                        task.StopTask();
                        return;
                    }
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(250), token);
                    }
                    catch (OperationCanceledException)
                    {
                        // One last refresh above, then stop.
                    }
                }
            }));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _display;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
