using System.Text.Json.Serialization;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Live;

/// <summary>
/// Scores one transaction on request (<c>POST /api/score</c>) against the card's current online state, read-only:
/// the streaming state and its checkpoint stay exactly what the topic made them (with <c>update_state=true</c> the
/// API appends the transaction to the topic instead, see <see cref="TransactionAppender"/>).
/// </summary>
public sealed class LiveScorer(IFeaturePipeline pipeline, IModelSource models, ScoringWorker worker, IOptions<ScoringOptions> options)
{
    private readonly Lock idleGate = new();
    private IFeatureState? idleState;

    public ScoreResponse? Score(Transaction transaction, int? top = null)
    {
        var model = models.Current;
        if (model is null)
        {
            return null;
        }
        var row = new float[pipeline.Names.Count];
        var knownCard = ComputeFeatures(transaction, row);
        var probability = new float[1];
        model.Predict(row, 1, probability);
        var explanation = model.Explain(row);
        var threshold = options.Value.ThresholdOverride ?? model.Threshold;
        var isAlert = probability[0] >= threshold;

        var featureValues = new Dictionary<string, float>(pipeline.Names.Count);
        var contributions = new Dictionary<string, double>(pipeline.Names.Count);
        for (var i = 0; i < pipeline.Names.Count; i++)
        {
            featureValues[pipeline.Names[i]] = row[i];
            contributions[model.FeatureNames[i]] = explanation.Contributions[i];
        }
        return new ScoreResponse(
            transaction.TransNum,
            CardMask.Mask(transaction.CcNum),
            probability[0],
            threshold,
            isAlert ? "alert" : "pass",
            isAlert,
            model.Version,
            knownCard ? "known" : "new",
            StateUpdated: false,
            featureValues,
            ScoringEmitter.TopReasons(model, row, top ?? options.Value.TopReasons),
            contributions,
            explanation.Bias,
            explanation.Margin);
    }

    private bool ComputeFeatures(Transaction transaction, Span<float> row)
    {
        if (worker.Current is { } consumer)
        {
            return consumer.TryCompute(transaction, row);
        }
        lock (idleGate)
        {
            idleState ??= pipeline.Create();
            idleState.Compute(transaction, row);
            return false;
        }
    }
}

/// <summary>The answer of <c>POST /api/score</c>.</summary>
public sealed record ScoreResponse(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_masked")] string CardMasked,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("is_alert")] bool IsAlert,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("card_state")] string CardState,
    [property: JsonPropertyName("state_updated")] bool StateUpdated,
    [property: JsonPropertyName("features")] Dictionary<string, float> Features,
    [property: JsonPropertyName("reasons")] IReadOnlyList<FeatureContribution> Reasons,
    [property: JsonPropertyName("contributions")] Dictionary<string, double> Contributions,
    [property: JsonPropertyName("bias")] double Bias,
    [property: JsonPropertyName("raw_margin")] double RawMargin)
{
    /// <summary>Where the transaction was appended (<c>update_state=true</c> only).</summary>
    [JsonPropertyName("appended")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AppendedTransaction? Appended { get; init; }
}

/// <summary>The position of a transaction appended by <c>POST /api/score?update_state=true</c>.</summary>
public sealed record AppendedTransaction(
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("offset")] long Offset);
