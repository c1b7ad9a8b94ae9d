using FraudDetection.Core.Models;

namespace FraudDetection.Training.Promotion;

public static class PromotionOutcomes
{
    public const string FirstChampion = "first_champion";
    public const string Promoted = "promoted";
    public const string KeptChallenger = "kept_challenger";
    /// <summary>Scoring cannot serve the version (e.g. a graph model): registered for comparison, never challenger or champion.</summary>
    public const string NotServable = "not_servable";
    /// <summary>The champion cannot be served any more (e.g. trained on an older feature schema): a servable challenger replaces it.</summary>
    public const string ReplacedUnservable = "replaced_unservable";
}

/// <summary>What the gate decided for a challenger and why, with the figures both models reached on the same window.</summary>
public sealed record PromotionDecision(
    string Outcome,
    string Reason,
    string ChallengerVersion,
    string? ChampionVersion,
    string? Window,
    EvaluationMetrics? Challenger,
    EvaluationMetrics? Champion)
{
    public bool BecameChampion => Outcome is PromotionOutcomes.Promoted or PromotionOutcomes.FirstChampion or PromotionOutcomes.ReplacedUnservable;
}
