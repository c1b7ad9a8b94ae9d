using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Producer.Options;

/// <summary>The hosted Producer's settings: configuration section <c>Producer</c>.</summary>
public sealed class ProducerOptions
{
    public const string SectionName = "Producer";

    /// <summary>The bundled replay: the weeks after the bundled training data (data/README.md).</summary>
    public const string BundledReplay = "data/replay.csv.gz";

    /// <summary>The bundled history: the weeks before <see cref="BundledReplay"/>, which the starter model trains on.</summary>
    public const string BundledHistory = "data/sample.csv.gz";

    /// <summary>CSV file to replay (plain or .gz); relative paths are looked up from the working directory upwards.</summary>
    public string File { get; set; } = BundledReplay;

    /// <summary>
    /// Card history sent ahead of the replay, moved by the same shift and marked as history, so that Scoring's card
    /// state holds the weeks before the first replayed transaction (files separated by ';', in event-time order).
    /// Unset: <see cref="BundledHistory"/> when <see cref="File"/> is <see cref="BundledReplay"/>, else none; empty: none.
    /// </summary>
    public string? History { get; set; }

    /// <summary>Transactions per second for the history (0: as fast as Kafka takes them); kept within what Scoring folds in.</summary>
    public double HistoryRate { get; set; } = 20_000;

    /// <summary>
    /// How <see cref="File"/>'s columns map to transaction fields: empty for the Kaggle layout, a preset
    /// (<c>handbook</c>) or a YAML/JSON mapping file (see docs/data.md).
    /// </summary>
    public string? Mapping { get; set; }

    /// <summary>Transactions per second.</summary>
    public double Rate { get; set; } = 5;

    /// <summary>Start the file over at its end.</summary>
    public bool Loop { get; set; } = true;

    /// <summary>Keep the file's event times instead of shifting them to now.</summary>
    public bool KeepTime { get; set; }

    /// <summary>Empty: replay <see cref="File"/>. Otherwise synthetic traffic: normal, a pattern name, or mix.</summary>
    public string? Scenario { get; set; }

    /// <summary>Fraud share of synthetic traffic.</summary>
    public double FraudShare { get; set; } = 0.02;

    public int Seed { get; set; } = 42;

    public int CardHolders { get; set; } = 1000;

    /// <summary>Start producing when the host starts.</summary>
    public bool Autostart { get; set; } = true;

    public string Topic { get; set; } = Topics.Transactions;

    /// <summary>
    /// The chargeback of each row labelled fraud, published to <c>fraud.labels</c> (source chargeback) once the replay
    /// reaches its time + <see cref="ChargebackDelay"/>: what a bank's chargeback process would send. 0 turns it off.
    /// </summary>
    public TimeSpan ChargebackDelay { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Keep the replay's position under the data directory (<c>producer/replay-position.json</c>) and go on from there
    /// at the next start (the app host sets it: its broker forgets everything at a restart).
    /// </summary>
    public bool ResumeReplay { get; set; }

    /// <summary>How long stop and shutdown wait for unacknowledged messages.</summary>
    public double FlushTimeoutSeconds { get; set; } = 10;

    /// <summary>The history files of a replay of <see cref="File"/>, as configured (see <see cref="History"/>).</summary>
    public IReadOnlyList<string> HistoryFiles() => History is null
        ? File == BundledReplay ? [BundledHistory] : []
        : History.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal string? Validate()
    {
        if (!double.IsFinite(Rate) || Rate <= 0)
        {
            return $"Producer:Rate must be a positive number (was {Rate}).";
        }
        if (!double.IsFinite(HistoryRate) || HistoryRate < 0)
        {
            return $"Producer:HistoryRate must be 0 (no limit) or a positive number (was {HistoryRate}).";
        }
        if (!string.IsNullOrWhiteSpace(Scenario) && FraudScenarios.Parse(Scenario) is null)
        {
            return $"Producer:Scenario '{Scenario}' is not one of {string.Join(", ", FraudScenarios.All)}.";
        }
        if (FraudShare is < 0 or >= 1)
        {
            return $"Producer:FraudShare must be in [0, 1) (was {FraudShare}).";
        }
        if (!string.IsNullOrWhiteSpace(Mapping))
        {
            try
            {
                Hosting.ProducerController.Mapping(Mapping);
            }
            catch (InvalidDataException e)
            {
                return $"Producer:Mapping: {e.Message}";
            }
        }
        if (ChargebackDelay < TimeSpan.Zero)
        {
            return $"Producer:ChargebackDelay must not be negative (was {ChargebackDelay}).";
        }
        return null;
    }
}
