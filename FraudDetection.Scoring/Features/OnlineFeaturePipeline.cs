using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Labels;
using FraudDetection.Scoring.Merchants;

namespace FraudDetection.Scoring.Features;

/// <summary>
/// The Core online feature code (<see cref="OnlineFeatureState"/>) — the same code Training replays offline. With a
/// merchant table the states compute every feature and contribute their cards' daily merchant totals; without one
/// they compute card features only (merchant features -1). <paramref name="inputs"/>: what the incoming transactions
/// carry (features needing an absent input are -1). <paramref name="labelTable"/>: verdicts from <c>fraud.labels</c>
/// the card label features count as soon as they are read.
/// </summary>
public sealed class OnlineFeaturePipeline(FeatureOptions? options = null, MerchantTable? merchantTable = null,
    TransactionInputs inputs = TransactionInputs.All, LabelTable? labelTable = null) : IFeaturePipeline
{
    private readonly FeatureOptions featureOptions = merchantTable?.Options ?? options ?? FeatureOptions.Default;

    public string SchemaVersion => FeatureSchema.Current.Version;

    public IReadOnlyList<string> Names => FeatureSchema.Current.Names;

    public FeatureSelection Computes { get; } = new(inputs, merchantTable is null ? [FeatureGroups.Card] : ["all"]);

    public MerchantTable? MerchantTable => merchantTable;

    public LabelTable? Labels => labelTable;

    public IFeatureState Create() => new State(new OnlineFeatureState(featureOptions, Computes, merchantTable?.History) { LabelEvents = labelTable?.Events });

    public IFeatureState Load(Stream stream) => new State(OnlineFeatureState.Load(stream, featureOptions, Computes, merchantTable?.History, labelTable?.Events));

    public string? Validate(Transaction transaction) => OnlineFeatureState.Validate(transaction);

    private sealed class State(OnlineFeatureState state) : IFeatureState
    {
        public void ComputeAndUpdate(Transaction transaction, Span<float> features) => state.ComputeAndUpdate(transaction, features);

        public void Compute(Transaction transaction, Span<float> features) => state.Compute(transaction, features);

        public bool KnowsCard(Transaction transaction) => state.HasHistory(transaction);

        public MerchantPartials? MerchantPartials => state.MerchantPartials;

        public void ComputeAllButMerchantAndUpdate(Transaction transaction, Span<float> features) =>
            state.ComputeAllButMerchantAndUpdate(transaction, features);

        public void ComputeMerchant(Transaction transaction, Span<float> features) => state.ComputeMerchant(transaction, features);

        public void Update(Transaction transaction) => state.Update(transaction);

        public DateTime? Clock => state.Clock;

        public byte[] ToCheckpointBytes() => state.ToCheckpointBytes();
    }
}
