namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// Sizes of the network: input widths, hidden widths and neighbour fan-outs. Layer 1 of a node reads
/// [its features ‖ mean over sampled edges of (other end's features ‖ edge features)]; layer 2 reads
/// [its layer-1 output ‖ mean of its sampled neighbours' layer-1 outputs]; the classifier reads
/// [transaction features ‖ card embedding ‖ merchant embedding].
/// </summary>
public sealed record GraphSageShape(
    int NodeFeatures,
    int EdgeFeatures,
    int TransactionFeatures,
    int Hidden1 = 32,
    int Hidden2 = 16,
    int ClassifierHidden = 32,
    int Fanout1 = 10,
    int Fanout2 = 10)
{
    /// <summary>The message a node receives over one edge: the other end's features and the edge's.</summary>
    public int MessageWidth => NodeFeatures + EdgeFeatures;
    public int Layer1Input => NodeFeatures + MessageWidth;
    public int Layer2Input => 2 * Hidden1;
    public int ClassifierInput => TransactionFeatures + 2 * Hidden2;
    /// <summary>Width of one node embedding (layer 2's output).</summary>
    public int Embedding => Hidden2;

    public void Validate()
    {
        if (NodeFeatures < 1 || EdgeFeatures < 0 || TransactionFeatures < 0 || Hidden1 < 1 || Hidden2 < 1 || ClassifierHidden < 1 || Fanout1 < 1 || Fanout2 < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(GraphSageShape), this, "Every width and fan-out must be positive.");
        }
    }
}

/// <summary>Where each weight block sits in the one flat parameter vector (which makes gradients and Adam plain vector operations).</summary>
public sealed class ParameterLayout
{
    public ParameterLayout(GraphSageShape shape)
    {
        shape.Validate();
        Shape = shape;
        var at = 0;
        Block Take(int rows, int columns)
        {
            var block = new Block(at, rows, columns);
            at += rows * columns;
            return block;
        }
        Layer1Weights = [Take(shape.Hidden1, shape.Layer1Input), Take(shape.Hidden1, shape.Layer1Input)];
        Layer1Bias = [Take(shape.Hidden1, 1), Take(shape.Hidden1, 1)];
        Layer2Weights = [Take(shape.Hidden2, shape.Layer2Input), Take(shape.Hidden2, shape.Layer2Input)];
        Layer2Bias = [Take(shape.Hidden2, 1), Take(shape.Hidden2, 1)];
        ClassifierWeights = Take(shape.ClassifierHidden, shape.ClassifierInput);
        ClassifierBias = Take(shape.ClassifierHidden, 1);
        OutputWeights = Take(1, shape.ClassifierHidden);
        OutputBias = Take(1, 1);
        Count = at;
    }

    public GraphSageShape Shape { get; }
    /// <summary>Per node type (card, merchant).</summary>
    public Block[] Layer1Weights { get; }
    public Block[] Layer1Bias { get; }
    public Block[] Layer2Weights { get; }
    public Block[] Layer2Bias { get; }
    public Block ClassifierWeights { get; }
    public Block ClassifierBias { get; }
    public Block OutputWeights { get; }
    public Block OutputBias { get; }
    public int Count { get; }

    /// <summary>Weight blocks (row-major, rows × columns) with the fan-in that sizes their initialization.</summary>
    public IEnumerable<Block> Weights() => [.. Layer1Weights, .. Layer2Weights, ClassifierWeights, OutputWeights];

    /// <summary>A row-major block of <see cref="Rows"/> × <see cref="Columns"/> values at <see cref="Offset"/>.</summary>
    public readonly record struct Block(int Offset, int Rows, int Columns)
    {
        public int Length => Rows * Columns;
        public Span<T> Of<T>(Span<T> parameters) => parameters.Slice(Offset, Length);
        public ReadOnlySpan<T> Of<T>(ReadOnlySpan<T> parameters) => parameters.Slice(Offset, Length);
    }
}
