using System.Diagnostics.Metrics;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Telemetry;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Drift;

/// <summary>
/// Drift of the champion: its training reference (<see cref="DriftReference"/>, read when the champion loads) against the
/// last <see cref="DriftOptions.WindowRows"/> scored transactions. Exports the population stability index of the score
/// and of each reference feature (<c>fraud_drift_psi{feature}</c>) and the live alert rate beside the validation one
/// (<c>fraud_drift_alert_rate{source}</c>); <see cref="Snapshot"/> is the stats endpoint's <c>drift</c> section.
/// Rows of another model version than the reference's (batches in flight across a swap) are not counted.
/// </summary>
public sealed class DriftMonitor : IDisposable
{
    private readonly Lock gate = new();
    private readonly DriftOptions options;
    private readonly IReadOnlyList<string> rowNames;
    private readonly Meter meter;
    private DriftWindow? window;
    private string? modelVersion;
    private bool hasReference;

    public DriftMonitor(IOptions<DriftOptions> options, IMeterFactory? meterFactory = null)
        : this(options.Value, FeatureSchema.Current.Names, meterFactory)
    {
    }

    /// <param name="rowNames">The columns of the feature rows <see cref="Observe"/> gets.</param>
    public DriftMonitor(DriftOptions options, IReadOnlyList<string> rowNames, IMeterFactory? meterFactory = null)
    {
        this.options = options;
        this.rowNames = rowNames;
        meter = meterFactory?.Create(FraudMetrics.ScoringMeter) ?? new Meter(FraudMetrics.ScoringMeter);
        meter.CreateObservableGauge(FraudMetrics.DriftPsi, ObservePsi, unit: null,
            description: "Population stability index of the champion's live window against its validation reference, by feature (feature=\"score\": the score)");
        meter.CreateObservableGauge(FraudMetrics.DriftAlertRate, ObserveAlertRate, unit: null,
            description: "Share of transactions alerted: source=\"live\" over the drift window, source=\"validation\" on the model's validation window");
    }

    /// <summary>Takes the reference of a champion about to serve (none in its folder: drift reports "no reference").</summary>
    public void UseChampion(RegisteredModelVersion version)
    {
        DriftReference? reference;
        try
        {
            reference = DriftReference.TryLoad(version.ModelDirectory);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            reference = null; // an unreadable reference is no reference; scoring goes on
        }
        UseReference(version.Version, reference);
    }

    /// <summary>Starts an empty window for <paramref name="version"/> against <paramref name="reference"/> (null: none).</summary>
    public void UseReference(string version, DriftReference? reference)
    {
        var fresh = reference is null || !options.Enabled ? null : new DriftWindow(version, reference, rowNames, Math.Max(1, options.WindowRows));
        lock (gate)
        {
            modelVersion = version;
            hasReference = reference is not null;
            window = fresh;
        }
    }

    /// <summary>One emitted batch: <paramref name="count"/> rows of <paramref name="featureCount"/> features and their scores.</summary>
    public void Observe(string version, ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<float> probabilities, int count, double threshold)
    {
        if (window is null || featureCount != rowNames.Count)
        {
            return;
        }
        lock (gate)
        {
            if (window is not { } current || current.ModelVersion != version)
            {
                return;
            }
            for (var i = 0; i < count; i++)
            {
                current.Add(features.Slice(i * featureCount, featureCount), probabilities[i], probabilities[i] >= threshold);
            }
        }
    }

    public DriftSnapshot Snapshot()
    {
        lock (gate)
        {
            if (!options.Enabled)
            {
                return new DriftSnapshot("off", modelVersion, 0, options.MinRows, null, null, null, null, null);
            }
            if (window is not { } current)
            {
                return new DriftSnapshot(modelVersion is null ? "no champion" : hasReference ? "no reference columns" : "no reference",
                    modelVersion, 0, options.MinRows, null, null, null, null, null);
            }
            var ready = current.Rows >= options.MinRows;
            SortedDictionary<string, double>? psi = null;
            if (ready)
            {
                psi = new SortedDictionary<string, double>(StringComparer.Ordinal);
                for (var c = 0; c < current.Columns.Count; c++)
                {
                    psi[current.Columns[c].Name] = Math.Round(current.Psi(c), 6);
                }
            }
            return new DriftSnapshot(ready ? "tracking" : "warming up", current.ModelVersion, current.Rows, options.MinRows,
                psi?.GetValueOrDefault(DriftReference.ScoreColumn), psi,
                current.Rows == 0 ? null : current.AlertRate, current.Reference.AlertRate, current.Reference.Rows);
        }
    }

    private IEnumerable<Measurement<double>> ObservePsi()
    {
        var snapshot = Snapshot();
        if (snapshot.Psi is null)
        {
            yield break;
        }
        foreach (var (feature, psi) in snapshot.Psi)
        {
            yield return new Measurement<double>(psi,
                new KeyValuePair<string, object?>("feature", feature),
                new KeyValuePair<string, object?>("model_version", snapshot.ModelVersion));
        }
    }

    private IEnumerable<Measurement<double>> ObserveAlertRate()
    {
        var snapshot = Snapshot();
        if (snapshot.ReferenceAlertRate is { } validation)
        {
            yield return new Measurement<double>(validation, new KeyValuePair<string, object?>("source", "validation"),
                new KeyValuePair<string, object?>("model_version", snapshot.ModelVersion));
        }
        if (snapshot.AlertRate is { } live)
        {
            yield return new Measurement<double>(live, new KeyValuePair<string, object?>("source", "live"),
                new KeyValuePair<string, object?>("model_version", snapshot.ModelVersion));
        }
    }

    public void Dispose() => meter.Dispose();
}
