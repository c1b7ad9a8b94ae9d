using FraudDetection.Training.Graph.Data;

namespace FraudDetection.Training.Graph.Training;

/// <summary>How the graph model is trained: widths, fan-outs, time rules, optimizer and stopping.</summary>
public sealed record GraphSageOptions
{
    public int Hidden1 { get; init; } = 32;
    /// <summary>Width of the card and merchant embeddings.</summary>
    public int Hidden2 { get; init; } = 16;
    public int ClassifierHidden { get; init; } = 32;
    /// <summary>Edges sampled per node for layer 1's messages.</summary>
    public int Fanout1 { get; init; } = 10;
    /// <summary>Neighbours sampled per root for layer 2.</summary>
    public int Fanout2 { get; init; } = 10;
    public GraphTimeRules TimeRules { get; init; } = new();

    public int Epochs { get; init; } = 8;
    /// <summary>Stop after this many epochs without a better validation AP; the best epoch's weights are kept.</summary>
    public int Patience { get; init; } = 2;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Global gradient-norm clip per batch.</summary>
    public double GradientClip { get; init; } = 5;
    /// <summary>Negatives drawn per fraud for each epoch (a fresh draw every epoch, seeded); 0 = all.</summary>
    public double NegativesPerFraud { get; init; } = 15;
    public int Seed { get; init; } = 42;
    /// <summary>Worker threads; 0 = all cores. Results do not depend on it.</summary>
    public int Threads { get; init; }
    /// <summary>No new epoch starts after this long (null: no limit).</summary>
    public TimeSpan? TimeBudget { get; init; }
    /// <summary>Training rows whose neighbourhoods fit the node and edge scalers.</summary>
    public int ScalerRows { get; init; } = 4000;

    public void Validate()
    {
        TimeRules.Validate();
        if (Epochs < 1 || Patience < 1 || BatchSize < 1 || LearningRate <= 0 || NegativesPerFraud < 0 || ScalerRows < 1)
        {
            throw new ArgumentException("Graph training needs epochs, patience, batch size and scaler rows ≥ 1, a positive learning rate and non-negative negatives per fraud.");
        }
    }
}

/// <summary>One finished epoch, for progress displays and the validation curve.</summary>
public sealed record GraphEpoch(int Epoch, int Epochs, int TrainRows, double Loss, double ValidationAveragePrecision, TimeSpan Elapsed, bool Best);
