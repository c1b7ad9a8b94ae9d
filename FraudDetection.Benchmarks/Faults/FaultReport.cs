using System.Globalization;

namespace FraudDetection.Benchmarks.Faults;

/// <summary>
/// What a fault run found, counted per transaction against the replayed rows and an uninterrupted backtest of them.
/// </summary>
/// <param name="Kills">Services killed with SIGKILL and started again.</param>
/// <param name="Produced">Replayed rows (distinct trans_num).</param>
/// <param name="Lost">Replayed rows missing from the graph, plus alerts with no delivery record or not in web's store.</param>
/// <param name="Duplicated">Rows more than once in the graph, plus alerts notified more than once.</param>
/// <param name="WrongScores">Rows whose graph score differs from the uninterrupted backtest's.</param>
/// <param name="Alerts">Alerts in the graph.</param>
/// <param name="DeadLettered">Messages on the dead-letter topics (the replay holds only good rows).</param>
/// <param name="RecoveredSeconds">From the last fault (the broker answering again, or the last restart) until the graph holds every row the Producer had sent.</param>
/// <param name="UnhealthyDuringPause">Services that reported themselves unhealthy while the broker did not answer.</param>
public sealed record FaultReport(
    int Kills, long Produced, long Lost, long Duplicated, long WrongScores, long Alerts, long DeadLettered,
    double RecoveredSeconds, IReadOnlyList<string> UnhealthyDuringPause, IReadOnlyList<string> Problems)
{
    public bool Passed => Lost == 0 && Duplicated == 0 && WrongScores == 0 && DeadLettered == 0;

    /// <summary>The one line the long form prints.</summary>
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"faults kills={Kills} lost={Lost} duplicated={Duplicated} wrong_scores={WrongScores} dead_lettered={DeadLettered} recovered_s={RecoveredSeconds:F1}");
}
