using System.Diagnostics;
using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>What to run: the data, how to read it, the protocol, the candidates tried on the validation folds.</summary>
public sealed record HandbookBenchmarkOptions
{
    public required string DataFile { get; init; }
    public ColumnMapping Mapping { get; init; } = ColumnMapping.Handbook;
    public HandbookProtocol Protocol { get; init; } = HandbookProtocol.Book;
    /// <summary>LightGBM settings compared on the validation folds (the book's grid-search rule picks among them).</summary>
    public IReadOnlyList<HyperParameters> Candidates { get; init; } = HandbookGrid.Default;
    /// <summary>Feature groups: <c>all</c>, <c>card</c> (every card group: the ablation), <c>merchant</c> or group names.
    /// Of these, only the features whose inputs the mapped data has are computed and used.</summary>
    public string FeatureGroups { get; init; } = "all";
    public FeatureOptions FeatureOptions { get; init; } = FeatureOptions.Default;
    /// <summary>Negatives kept per fraud in each training week (0 = all, as the book trains).</summary>
    public double NegativesPerFraud { get; init; }
    public int Seed { get; init; } = 42;
    /// <summary>Models per fold, trained with seeds <see cref="Seed"/>, +1, …, whose scores are averaged (1 = one model).</summary>
    public int Seeds
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Seeds), value, "Seeds (models averaged per fold) must be at least 1.");
    } = 1;
    public int Threads { get; init; } = 1;
}

/// <summary>One candidate's metrics on each fold of one protocol (validation or test).</summary>
public sealed record HandbookCandidateRun(HyperParameters Parameters, IReadOnlyList<HandbookFoldMetrics> Folds)
{
    public MeanStd AveragePrecision => MeanStd.Of(Folds.Select(f => f.AveragePrecision));
    public MeanStd RocAuc => MeanStd.Of(Folds.Select(f => f.RocAuc));
    public MeanStd CardPrecision => MeanStd.Of(Folds.Select(f => f.CardPrecision));
}

/// <summary>A metric's figure on the test folds, at the candidate with the best validation mean for that metric.</summary>
public sealed record HandbookChoice(string Metric, HyperParameters Parameters, double ValidationMean, MeanStd Test);

/// <summary>What the benchmark measured, with the folds' sizes.</summary>
public sealed record HandbookReport(
    long Transactions,
    long SkippedRows,
    IReadOnlyList<(HandbookFold Fold, int TrainRows, int TrainFrauds, int TestRows, int TestFrauds)> TestFolds,
    IReadOnlyList<HandbookCandidateRun> Validation,
    IReadOnlyList<HandbookCandidateRun> Test,
    HandbookChoice AveragePrecision,
    HandbookChoice RocAuc,
    HandbookChoice CardPrecision,
    TimeSpan Elapsed);

/// <summary>A step of the benchmark, for progress displays.</summary>
public sealed record HandbookProgress(string Stage, string Message, long Done, long Total);

/// <summary>
/// The Fraud Detection Handbook's benchmark on its own protocol (<see cref="HandbookProtocol"/>): features from the
/// first day of the data by the online feature code (the same as Scoring's), a LightGBM model per fold trained on
/// the training week, scored on the test week after known compromised cards are removed; every candidate on the 4
/// validation folds, then, per metric, the candidate with the best validation mean on the 4 test folds (the book's
/// "best estimated parameters" rule: nothing is chosen on the test folds).
/// </summary>
public static class HandbookBenchmark
{
    public const string StageFeatures = "features", StageValidation = "validation", StageTest = "test";

    public static HandbookReport Run(HandbookBenchmarkOptions options, IProgress<HandbookProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Candidates.Count == 0) throw new ArgumentException("No candidate parameters to compare.");
        var clock = Stopwatch.StartNew();
        var protocol = options.Protocol;
        var (from, to) = protocol.DaysUsed;
        var fromTime = from.ToDateTime(TimeOnly.MinValue);
        var toTime = to.ToDateTime(TimeOnly.MinValue);

        // Features of every transaction from the first day (the state sees them all); rows only for the days used.
        var read = new ReadReport();
        var matrix = TransactionSource.Replay([options.DataFile], read, transactions =>
            FeatureMatrix.Build(transactions, new OnlineFeatureState(options.FeatureOptions, FeatureSelection.Parse(options.FeatureGroups, options.Mapping.Inputs)),
                emit: tx => tx.TransDateTransTime >= fromTime && tx.TransDateTransTime < toTime,
                progress: n => progress?.Report(new HandbookProgress(StageFeatures, $"{n:N0} transactions featurized", n, 0))),
            options.Mapping);
        cancellationToken.ThrowIfCancellationRequested();
        var data = TrainingSet.From(matrix);
        if (data.Rows == 0)
        {
            throw new InvalidDataException($"No transaction of {options.DataFile} falls in {from:yyyy-MM-dd}..{to.AddDays(-1):yyyy-MM-dd}, the days the protocol uses.");
        }
        return Evaluate(data, matrix.Schema.Names, options, read, clock, progress, cancellationToken);
    }

    /// <summary>The protocol on rows already featurized (in time order, covering <see cref="HandbookProtocol.DaysUsed"/>).</summary>
    public static HandbookReport Evaluate(TrainingSet data, IReadOnlyList<string> featureNames, HandbookBenchmarkOptions options, ReadReport read,
        Stopwatch clock, IProgress<HandbookProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var protocol = options.Protocol;
        var days = data.Times.Select(t => DateOnly.FromDateTime(t).DayNumber).ToArray();

        var validationSplits = protocol.ValidationFolds.Select(f => HandbookSplit.Split(f, days, data.Cards, data.Labels)).ToList();
        var testSplits = protocol.TestFolds.Select(f => HandbookSplit.Split(f, days, data.Cards, data.Labels)).ToList();
        foreach (var (fold, split) in protocol.ValidationFolds.Zip(validationSplits).Concat(protocol.TestFolds.Zip(testSplits)))
        {
            if (split.Train.Length == 0 || split.Test.Length == 0 || !split.Train.Any(i => data.Labels[i]) || !split.Test.Any(i => data.Labels[i]))
            {
                throw new InvalidDataException($"Fold {fold} has no training or test fraud in {options.DataFile}: the data does not cover the protocol's dates.");
            }
        }

        var fits = options.Candidates.Count * validationSplits.Count;
        var done = 0;
        var validation = new List<HandbookCandidateRun>();
        foreach (var candidate in options.Candidates)
        {
            var folds = new List<HandbookFoldMetrics>();
            foreach (var split in validationSplits)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new HandbookProgress(StageValidation, $"candidate {validation.Count + 1}/{options.Candidates.Count}: {Describe(candidate)}", done, fits));
                folds.Add(FitAndScore(data, days, split, candidate, options));
                done++;
            }
            validation.Add(new HandbookCandidateRun(candidate, folds));
            progress?.Report(new HandbookProgress(StageValidation,
                $"candidate {validation.Count}/{options.Candidates.Count}: AP {validation[^1].AveragePrecision}, AUC {validation[^1].RocAuc}, CP@{protocol.TopK} {validation[^1].CardPrecision}", done, fits));
        }

        // The book's rule, per metric: the best validation mean (the first such candidate on ties).
        HandbookCandidateRun Best(Func<HandbookCandidateRun, double> metric) => validation.MaxBy(metric)!;
        var bestAp = Best(r => r.AveragePrecision.Mean);
        var bestAuc = Best(r => r.RocAuc.Mean);
        var bestCp = Best(r => r.CardPrecision.Mean);
        var chosen = new[] { bestAp, bestAuc, bestCp }.Select(r => r.Parameters).Distinct().ToList();

        var test = new List<HandbookCandidateRun>();
        var testFits = chosen.Count * testSplits.Count;
        done = 0;
        foreach (var candidate in chosen)
        {
            var folds = new List<HandbookFoldMetrics>();
            foreach (var split in testSplits)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new HandbookProgress(StageTest, $"chosen {test.Count + 1}/{chosen.Count}: {Describe(candidate)}", done, testFits));
                folds.Add(FitAndScore(data, days, split, candidate, options));
                done++;
            }
            test.Add(new HandbookCandidateRun(candidate, folds));
        }
        progress?.Report(new HandbookProgress(StageTest, "done", testFits, testFits));
        HandbookCandidateRun TestOf(HandbookCandidateRun run) => test.First(t => t.Parameters == run.Parameters);

        var foldSizes = protocol.TestFolds.Zip(testSplits)
            .Select(p => (p.First, p.Second.Train.Length, p.Second.Train.Count(i => data.Labels[i]), p.Second.Test.Length, p.Second.Test.Count(i => data.Labels[i])))
            .ToList();
        return new HandbookReport(read.Rows, read.BadRows, foldSizes, validation, test,
            new HandbookChoice("average precision", bestAp.Parameters, bestAp.AveragePrecision.Mean, TestOf(bestAp).AveragePrecision),
            new HandbookChoice("ROC-AUC", bestAuc.Parameters, bestAuc.RocAuc.Mean, TestOf(bestAuc).RocAuc),
            new HandbookChoice($"card precision@{protocol.TopK}", bestCp.Parameters, bestCp.CardPrecision.Mean, TestOf(bestCp).CardPrecision),
            clock.Elapsed);
    }

    /// <summary>Trains on the fold's training rows and scores its test rows.</summary>
    private static HandbookFoldMetrics FitAndScore(TrainingSet data, int[] days, HandbookFoldRows split, HyperParameters parameters,
        HandbookBenchmarkOptions options)
    {
        var test = data.Select(split.Test);
        var scores = ScoreTestRows(data.Select(split.Train), test, parameters, options);
        return HandbookMetrics.Evaluate(scores, test.Labels, [.. split.Test.Select(i => days[i])], test.Cards, options.Protocol.TopK);
    }

    /// <summary>
    /// A fold's test rows scored by <see cref="HandbookBenchmarkOptions.Seeds"/> models trained on its training rows
    /// (seeds <see cref="HandbookBenchmarkOptions.Seed"/>, +1, …), their scores averaged: the feature and row sampling
    /// of each tree make one model's ranking of near ties partly luck.
    /// </summary>
    public static float[] ScoreTestRows(TrainingSet train, TrainingSet test, HyperParameters parameters, HandbookBenchmarkOptions options)
    {
        var scores = new float[test.Rows];
        for (var seed = options.Seed; seed < options.Seed + options.Seeds; seed++)
        {
            var (sampled, rate) = ModelTrainer.DownSample(train, options.NegativesPerFraud, seed);
            var model = EnsembleTrainer.Train(TrainerKind.LightGbm, sampled, parameters, seed, Math.Log(rate), options.Threads);
            var modelScores = ModelTrainer.Score(model, test);
            for (var i = 0; i < scores.Length; i++) scores[i] += modelScores[i] / options.Seeds;
        }
        return scores;
    }

    public static string Describe(HyperParameters p) =>
        FormattableString.Invariant($"{p.Trees} trees, {p.Leaves} leaves, lr {p.LearningRate:G3}, min leaf {p.MinDataInLeaf}, {p.MaxBin} bins");
}
