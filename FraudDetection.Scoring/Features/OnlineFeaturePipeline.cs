using FraudDetection.Core.Features;

namespace FraudDetection.Scoring.Features;

/// <summary>The Core online feature code (<see cref="OnlineFeatureState"/>) — the same code Training replays offline.</summary>
public sealed class OnlineFeaturePipeline(FeatureOptions? options = null) : IFeaturePipeline
{
    public string SchemaVersion => FeatureSchema.Current.Version;

    public IReadOnlyList<string> Names => FeatureSchema.Current.Names;

    public IFeatureState Create() => new State(new OnlineFeatureState(options));

    public IFeatureState Load(Stream stream) => new State(OnlineFeatureState.Load(stream, options));

    public string? Validate(Transaction transaction) => OnlineFeatureState.Validate(transaction);

    private sealed class State(OnlineFeatureState state) : IFeatureState
    {
        private readonly float[] probe = new float[FeatureSchema.Current.Count];

        public void ComputeAndUpdate(Transaction transaction, Span<float> features) => state.ComputeAndUpdate(transaction, features);

        public void Compute(Transaction transaction, Span<float> features) => state.Compute(transaction, features);

        public void Update(Transaction transaction) => state.Update(transaction);

        public DateTime? Clock => state.Clock;

        public bool KnowsCard(Transaction transaction)
        {
            state.Compute(transaction, probe);
            return probe[FeatureIndex.CardTxCount] > 0;
        }

        public void Save(Stream stream) => state.Save(stream);
    }
}
