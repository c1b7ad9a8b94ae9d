using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.Graph.Training;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>The training loop: deterministic for a seed whatever the thread count, and it learns the compromised-merchant pattern.</summary>
public class GraphTrainingTests
{
    private static readonly GraphTimeRules Rules = new() { SnapshotInterval = TimeSpan.FromHours(12), LabelDelay = TimeSpan.FromDays(1) };

    private static (TemporalGraph Graph, int[] Train, int[] Valid) Data()
    {
        var data = GraphDataset.Build(GraphModelData.Stream(days: 40));
        var split = data.FirstRowAtOrAfter(GraphModelData.Start.AddDays(30));
        return (new TemporalGraph(data, Rules), [.. Enumerable.Range(0, split)], [.. Enumerable.Range(split, data.Rows - split)]);
    }

    private static GraphSageOptions Options(int seed, int threads) => new()
    {
        Hidden1 = 8, Hidden2 = 4, ClassifierHidden = 8, Fanout1 = 4, Fanout2 = 4, Epochs = 3, Patience = 3, BatchSize = 32,
        LearningRate = 0.01, NegativesPerFraud = 0, Seed = seed, Threads = threads, TimeRules = Rules, ScalerRows = 500,
    };

    private static double AveragePrecision(float[] scores, bool[] labels) => BinaryMetrics.AveragePrecision(scores, labels);

    [Fact]
    public void Training_is_deterministic_for_a_seed_whatever_the_thread_count()
    {
        var (graph, train, valid) = Data();

        var one = GraphSageTrainer.Train(graph, train, valid, Options(seed: 5, threads: 1), AveragePrecision);
        var two = GraphSageTrainer.Train(graph, train, valid, Options(seed: 5, threads: 2), AveragePrecision);
        var other = GraphSageTrainer.Train(graph, train, valid, Options(seed: 6, threads: 2), AveragePrecision);

        two.Model.Parameters.Should().Equal(one.Model.Parameters);
        two.ValidationScores.Should().Equal(one.ValidationScores);
        two.Epochs.Select(e => e.ValidationAveragePrecision).Should().Equal(one.Epochs.Select(e => e.ValidationAveragePrecision));
        other.Model.Parameters.Should().NotEqual(one.Model.Parameters);
    }

    [Fact]
    public void It_learns_the_compromised_merchant_pattern_and_keeps_the_best_epoch()
    {
        var (graph, train, valid) = Data();
        var labels = valid.Select(r => graph.Data.Labels[r] == 1).ToArray();
        var epochs = new List<GraphEpoch>();

        var result = GraphSageTrainer.Train(graph, train, valid, Options(seed: 5, threads: 2), AveragePrecision,
            new SynchronousProgress<GraphEpoch>(epochs.Add));

        epochs.Should().HaveCount(3).And.Equal(result.Epochs);
        var best = result.Epochs.MaxBy(e => e.ValidationAveragePrecision)!;
        result.BestEpoch.Should().Be(best.Epoch);
        AveragePrecision(result.ValidationScores, labels).Should().Be(best.ValidationAveragePrecision);
        AveragePrecision(result.Model.Score(graph, valid), labels).Should().Be(best.ValidationAveragePrecision, "the kept model is the best epoch's");
        var baseRate = labels.Count(l => l) / (double)labels.Length;
        best.ValidationAveragePrecision.Should().BeGreaterThan(3 * baseRate, $"fraud rate {baseRate:P1}");
    }

    [Fact]
    public void A_saved_model_scores_as_the_trained_one()
    {
        var (graph, train, valid) = Data();
        var result = GraphSageTrainer.Train(graph, train, valid, Options(seed: 5, threads: 2) with { Epochs = 1 }, AveragePrecision);
        var path = Path.Combine(Path.GetTempPath(), $"graph-model-{Guid.NewGuid():N}.json");
        try
        {
            result.Model.Save(path);
            var loaded = GraphSageModel.Load(path);
            loaded.Score(graph, valid).Should().Equal(result.Model.Score(graph, valid));
            loaded.TimeRules.Should().Be(Rules);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
