namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>
/// One prequential fold of the Fraud Detection Handbook's protocol (Le Borgne et al., Chapter 5): a training week
/// from <see cref="TrainStart"/>, a delay week left out, then the assessment (test) week. Days are calendar days of
/// the transactions' time (the book's <c>TX_TIME_DAYS</c>); ends are exclusive.
/// </summary>
public sealed record HandbookFold(DateOnly TrainStart, int TrainDays, int DelayDays, int TestDays)
{
    public DateOnly TrainEnd => TrainStart.AddDays(TrainDays);
    public DateOnly TestStart => TrainEnd.AddDays(DelayDays);
    public DateOnly TestEnd => TestStart.AddDays(TestDays);

    public override string ToString() =>
        $"train {TrainStart:MM-dd}..{TrainEnd.AddDays(-1):MM-dd}, test {TestStart:MM-dd}..{TestEnd.AddDays(-1):MM-dd}";
}

/// <summary>
/// The book's Chapter 5 model-selection protocol: training start 2018-07-25, training, delay and assessment weeks of
/// 7 days, 4 prequential folds each shifted back by one assessment week. Validation folds start
/// (delay + assessment) days before the training start; test folds start (folds − 1) assessment weeks after it.
/// </summary>
public sealed record HandbookProtocol
{
    /// <summary>The book's settings.</summary>
    public static HandbookProtocol Book { get; } = new();

    public DateOnly StartDateTraining { get; init; } = new(2018, 7, 25);
    public int TrainDays { get; init; } = 7;
    public int DelayDays { get; init; } = 7;
    public int AssessmentDays { get; init; } = 7;
    public int Folds { get; init; } = 4;

    /// <summary>Cards per day in card precision@k.</summary>
    public int TopK { get; init; } = 100;

    /// <summary>Training start of the first validation fold (2018-07-11 in the book).</summary>
    public DateOnly ValidationStart => StartDateTraining.AddDays(-(DelayDays + AssessmentDays));

    /// <summary>Training start of the first test fold (2018-08-15 in the book).</summary>
    public DateOnly TestStart => StartDateTraining.AddDays((Folds - 1) * AssessmentDays);

    public IReadOnlyList<HandbookFold> ValidationFolds => Prequential(ValidationStart);

    public IReadOnlyList<HandbookFold> TestFolds => Prequential(TestStart);

    /// <summary>The days whose transactions any fold reads (training, delay and test weeks), end exclusive.</summary>
    public (DateOnly From, DateOnly To) DaysUsed
    {
        get
        {
            var all = ValidationFolds.Concat(TestFolds).ToList();
            return (all.Min(f => f.TrainStart), all.Max(f => f.TestEnd));
        }
    }

    private List<HandbookFold> Prequential(DateOnly start) =>
        [.. Enumerable.Range(0, Folds).Select(i => new HandbookFold(start.AddDays(-i * AssessmentDays), TrainDays, DelayDays, AssessmentDays))];
}
