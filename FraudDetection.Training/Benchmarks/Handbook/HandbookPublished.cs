namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>A published result on the book's test protocol: means ± population std over the 4 test folds.</summary>
public sealed record HandbookPublishedResult(string Model, string Source, MeanStd RocAuc, MeanStd AveragePrecision, MeanStd CardPrecision);

/// <summary>
/// The book's figures on its own test protocol, at the parameters chosen on the validation folds
/// (Le Borgne et al., "Reproducible Machine Learning for Credit Card Fraud Detection — Practical Handbook", 2022:
/// Chapter 5 <c>ModelSelection.ipynb</c>, Chapter 6 <c>Ensembling.ipynb</c>, Chapter 7 <c>SequentialModeling.ipynb</c>).
/// The book prints the std with 2 decimals.
/// </summary>
public static class HandbookPublished
{
    public static IReadOnlyList<HandbookPublishedResult> Results { get; } =
    [
        new("Decision tree", "ch. 5", new(0.797, 0.01), new(0.579, 0.01), new(0.284, 0.0)),
        new("Logistic regression", "ch. 5", new(0.868, 0.02), new(0.623, 0.02), new(0.297, 0.01)),
        new("Random forest", "ch. 5", new(0.870, 0.02), new(0.678, 0.01), new(0.299, 0.01)),
        new("XGBoost (grid search)", "ch. 5", new(0.869, 0.01), new(0.687, 0.01), new(0.303, 0.01)),
        new("XGBoost (random search)", "ch. 5", new(0.872, 0.01), new(0.687, 0.01), new(0.303, 0.01)),
        new("Balanced bagging", "ch. 6", new(0.879, 0.01), new(0.680, 0.01), new(0.305, 0.01)),
        new("Feed-forward neural network", "ch. 7", new(0.876, 0.01), new(0.675, 0.01), new(0.303, 0.02)),
        new("LSTM", "ch. 7", new(0.876, 0.02), new(0.665, 0.02), new(0.297, 0.01)),
    ];

    /// <summary>The book's best test mean of each metric across Chapters 5–7.</summary>
    public static (double RocAuc, double AveragePrecision, double CardPrecision) Best =>
        (Results.Max(r => r.RocAuc.Mean), Results.Max(r => r.AveragePrecision.Mean), Results.Max(r => r.CardPrecision.Mean));
}
