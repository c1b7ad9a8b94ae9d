using Confluent.Kafka;
using FraudDetection.Scoring.Features;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// Messages marked <see cref="Topics.HistoryHeader"/>: card history sent ahead of a replay. Scoring folds them into the
/// partition's card state, as a backtest's <c>--history</c> does, and never scores, alerts on or emits them. They are
/// offsets like any other, so a restart resumes after the last checkpointed one and folds nothing in twice.
/// </summary>
public static class HistoryMessages
{
    public static bool IsHistory(Headers? headers) => headers is not null && headers.TryGetLastBytes(Topics.HistoryHeader, out _);

    /// <summary>
    /// Folds a history row into <paramref name="features"/> unless it is history sent again: older than the newest event
    /// the partition has seen (history comes in event-time order, so a first priming never is), or a trans_num still in
    /// the dedupe window (the rows at that newest second). The clock goes first: history sent again must not flush the
    /// dedupe window of the newest ids it is checked against.
    /// </summary>
    public static bool TryFold(IFeatureState features, DedupeWindow dedupe, Transaction transaction)
    {
        if (features.Clock is { } clock && transaction.TransDateTransTime < clock)
        {
            return false;
        }
        if (!dedupe.TryAdd(transaction.TransNum))
        {
            return false;
        }
        features.Update(transaction);
        return true;
    }
}
