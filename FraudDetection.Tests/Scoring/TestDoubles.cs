using System.Collections.Concurrent;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;

namespace FraudDetection.Tests.Scoring;

/// <summary>Test double: per-card count and amount sum, deterministic Save bytes.</summary>
public sealed class CountingFeaturePipeline : IFeaturePipeline
{
    public string SchemaVersion => "test-counting-1";
    public IReadOnlyList<string> Names { get; } = ["count_before", "amt_sum_before", "amt", "hour"];
    public IFeatureState Create() => new State();

    public IFeatureState Load(Stream stream)
    {
        var state = new State();
        using var reader = new BinaryReader(stream);
        var n = reader.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            state.Cards[reader.ReadInt64()] = (reader.ReadInt32(), reader.ReadDouble());
        }
        return state;
    }

    private sealed class State : IFeatureState
    {
        public readonly Dictionary<long, (int Count, double Sum)> Cards = [];

        public void Compute(Transaction t, Span<float> f)
        {
            var (count, sum) = Cards.GetValueOrDefault(t.CcNum);
            f[0] = count;
            f[1] = (float)sum;
            f[2] = (float)t.Amt;
            f[3] = t.TransDateTransTime.Hour;
        }

        public void ComputeAndUpdate(Transaction t, Span<float> f)
        {
            Compute(t, f);
            var (count, sum) = Cards.GetValueOrDefault(t.CcNum);
            Cards[t.CcNum] = (count + 1, sum + t.Amt);
        }

        public bool KnowsCard(long ccNum) => Cards.ContainsKey(ccNum);

        public void Save(Stream stream)
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Cards.Count);
            foreach (var (card, (count, sum)) in Cards.OrderBy(c => c.Key))
            {
                writer.Write(card);
                writer.Write(count);
                writer.Write(sum);
            }
        }
    }
}

/// <summary>Test double: logistic regression whose contributions are w·x per feature.</summary>
public sealed class LinearTestModel(string version, float[] weights, float bias, double threshold, IReadOnlyList<string> names) : IScoringModel
{
    public string Version => version;
    public double Threshold => threshold;
    public IReadOnlyList<string> FeatureNames => names;
    public bool Disposed { get; private set; }

    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        for (var r = 0; r < rows; r++)
        {
            probabilities[r] = (float)(1 / (1 + Math.Exp(-Margin(features.Slice(r * weights.Length, weights.Length)))));
        }
    }

    public ModelExplanation Explain(ReadOnlySpan<float> row)
    {
        var contributions = new float[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            contributions[i] = weights[i] * row[i];
        }
        return new ModelExplanation(contributions, bias, Margin(row));
    }

    private double Margin(ReadOnlySpan<float> row)
    {
        double margin = bias;
        for (var i = 0; i < weights.Length; i++)
        {
            margin += weights[i] * row[i];
        }
        return margin;
    }

    public void Dispose() => Disposed = true;
}

/// <summary>Test double: models by version, built from the version folder's name.</summary>
public sealed class TestModelLoader(Func<string, IScoringModel> build) : IScoringModelLoader
{
    public IScoringModel Load(RegisteredModelVersion version) => build(version.Version);
}

/// <summary>Test double: an in-memory registry (the file registry is the registry branch's).</summary>
public sealed class InMemoryModelRegistry : IModelRegistry
{
    private readonly ConcurrentDictionary<string, RegisteredModelVersion> versions = new();
    private readonly ConcurrentDictionary<string, string> aliases = new();

    public Task<RegisteredModelVersion?> GetByAliasAsync(string alias, CancellationToken cancellationToken = default) =>
        Task.FromResult(aliases.TryGetValue(alias, out var v) ? versions[v] : null);

    public Task<RegisteredModelVersion> RegisterAsync(string modelDirectory, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        var version = (versions.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var registered = new RegisteredModelVersion(ModelRegistryNames.RegisteredModel, version, modelDirectory, [], tags, DateTimeOffset.UtcNow);
        versions[version] = registered;
        return Task.FromResult(registered);
    }

    public Task SetAliasAsync(string alias, string version, CancellationToken cancellationToken = default)
    {
        aliases[alias] = version;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RegisteredModelVersion>> ListVersionsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RegisteredModelVersion>>([.. versions.Values.OrderByDescending(v => v.CreatedAt)]);
}
