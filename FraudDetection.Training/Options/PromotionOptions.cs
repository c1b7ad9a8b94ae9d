using System.ComponentModel.DataAnnotations;

namespace FraudDetection.Training.Options;

/// <summary>Options section <c>Training:Promotion</c>: what a challenger must show to replace the champion.</summary>
public sealed class PromotionOptions
{
    public const string SectionName = "Training:Promotion";

    /// <summary>The challenger's average precision must exceed the champion's by more than this (0 = strictly better).</summary>
    [Range(0.0, 1.0)]
    public double MinAveragePrecisionGain { get; set; }

    /// <summary>The most recall (at each model's own threshold) the challenger may lose against the champion.</summary>
    [Range(0.0, 1.0)]
    public double MaxRecallLoss { get; set; } = 0.02;

    /// <summary>Days at the end of the data that form the latest labelled window both models are scored on.</summary>
    [Range(1, 3650)]
    public int WindowDays { get; set; } = 7;
}
