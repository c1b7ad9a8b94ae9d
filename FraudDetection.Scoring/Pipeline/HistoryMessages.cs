using Confluent.Kafka;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// Messages marked <see cref="Topics.HistoryHeader"/>: card history sent ahead of a replay. Scoring folds them into the
/// partition's card state (<see cref="Features.IFeatureState.Prime"/>) after validation and dedupe, and never scores,
/// alerts on or emits them. They are offsets like any other, so a restart resumes after the last checkpointed one
/// and folds nothing in twice.
/// </summary>
public static class HistoryMessages
{
    public static bool IsHistory(Headers? headers) => headers is not null && headers.TryGetLastBytes(Topics.HistoryHeader, out _);
}
