using System.Numerics;
using System.Numerics.Tensors;
using FraudDetection.Training.Graph.Data;

namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// One transaction's sampled neighbourhood and the activations of the network on it. Root 0 is the card, root 1 the
/// merchant; node 0 of a root is the root itself, nodes 1..n its sampled neighbours (of the other type). One per
/// thread; nothing is allocated per row.
/// </summary>
public sealed class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Workspace(GraphSageShape shape)
    {
        Shape = shape;
        var nodes = 1 + shape.Fanout2;
        Layer1Input = new T[2 * nodes * shape.Layer1Input];
        Layer1Pre = new T[2 * nodes * shape.Hidden1];
        Layer1Output = new T[2 * nodes * shape.Hidden1];
        Layer2Input = new T[2 * shape.Layer2Input];
        Layer2Pre = new T[2 * shape.Hidden2];
        Layer2Output = new T[2 * shape.Hidden2];
        ClassifierInput = new T[shape.ClassifierInput];
        ClassifierPre = new T[shape.ClassifierHidden];
        ClassifierOutput = new T[shape.ClassifierHidden];
        ClassifierInputGradient = new T[shape.ClassifierInput];
        ClassifierGradient = new T[shape.ClassifierHidden];
        Layer2Gradient = new T[shape.Hidden2];
        Layer2InputGradient = new T[shape.Layer2Input];
        Layer1Gradient = new T[shape.Hidden1];
        Message = new T[shape.MessageWidth];
        SampledRows = new int[shape.Fanout1];
        NeighbourRows = new int[shape.Fanout2];
    }

    public GraphSageShape Shape { get; }
    /// <summary>Sampled neighbours of each root (n ≤ Fanout2).</summary>
    public int[] Neighbours { get; } = new int[2];
    public T[] Layer1Input { get; }
    public T[] Layer1Pre { get; }
    public T[] Layer1Output { get; }
    public T[] Layer2Input { get; }
    public T[] Layer2Pre { get; }
    public T[] Layer2Output { get; }
    public T[] ClassifierInput { get; }
    public T[] ClassifierPre { get; }
    public T[] ClassifierOutput { get; }
    public T Logit { get; internal set; }

    internal T[] ClassifierInputGradient { get; }
    internal T[] ClassifierGradient { get; }
    internal T[] Layer2Gradient { get; }
    internal T[] Layer2InputGradient { get; }
    internal T[] Layer1Gradient { get; }
    /// <summary>Scratch for the neighbourhood builder: one message, sampled rows.</summary>
    internal T[] Message { get; }
    internal int[] SampledRows { get; }
    internal int[] NeighbourRows { get; }

    private int Nodes => 1 + Shape.Fanout2;

    /// <summary>Layer-1 input of node <paramref name="node"/> (0 = the root) of root <paramref name="root"/>: [features ‖ mean message].</summary>
    public Span<T> Input1(int root, int node) => Layer1Input.AsSpan((root * Nodes + node) * Shape.Layer1Input, Shape.Layer1Input);
    public Span<T> Pre1(int root, int node) => Layer1Pre.AsSpan((root * Nodes + node) * Shape.Hidden1, Shape.Hidden1);
    public Span<T> Output1(int root, int node) => Layer1Output.AsSpan((root * Nodes + node) * Shape.Hidden1, Shape.Hidden1);
    public Span<T> Input2(int root) => Layer2Input.AsSpan(root * Shape.Layer2Input, Shape.Layer2Input);
    public Span<T> Pre2(int root) => Layer2Pre.AsSpan(root * Shape.Hidden2, Shape.Hidden2);
    /// <summary>The root's embedding (layer 2's output).</summary>
    public Span<T> Embedding(int root) => Layer2Output.AsSpan(root * Shape.Hidden2, Shape.Hidden2);
    /// <summary>The transaction's (scaled) features: the first part of the classifier's input.</summary>
    public Span<T> TransactionFeatures => ClassifierInput.AsSpan(0, Shape.TransactionFeatures);

    /// <summary>Node type of node <paramref name="node"/> of root <paramref name="root"/>: the root's own type, its neighbours the other.</summary>
    public static NodeType TypeOf(int root, int node) => (NodeType)(node == 0 ? root : 1 - root);
}

/// <summary>
/// The graph model's arithmetic on a filled <see cref="Workspace{T}"/>: two GraphSAGE layers per root (card and
/// merchant, each type with its own weights), then a one-hidden-layer classifier on [transaction ‖ card ‖ merchant].
/// Generic so the tests can check gradients in double; training runs in float.
/// </summary>
public sealed class GraphSageNetwork<T>(ParameterLayout layout) where T : unmanaged, IFloatingPointIeee754<T>
{
    public ParameterLayout Layout { get; } = layout;

    /// <summary>Layers 1 and 2 of one root; its embedding lands in <see cref="Workspace{T}.Embedding(int)"/>.</summary>
    public void EmbedRoot(ReadOnlySpan<T> parameters, Workspace<T> ws, int root)
    {
        var n = ws.Neighbours[root];
        for (var j = 0; j <= n; j++)
        {
            var type = (int)Workspace<T>.TypeOf(root, j);
            SageLayer.Forward(Layout.Layer1Weights[type].Of(parameters), Layout.Layer1Bias[type].Of(parameters), ws.Input1(root, j), ws.Pre1(root, j), ws.Output1(root, j));
        }
        var h1 = Layout.Shape.Hidden1;
        SageLayer.Aggregate<T>(ws.Output1(root, 0), ws.Layer1Output.AsSpan((root * (1 + Layout.Shape.Fanout2) + 1) * h1, n * h1), n, ws.Input2(root));
        SageLayer.Forward(Layout.Layer2Weights[root].Of(parameters), Layout.Layer2Bias[root].Of(parameters), ws.Input2(root), ws.Pre2(root), ws.Embedding(root));
    }

    /// <summary>The classifier on the workspace's input (transaction features, then the two embeddings); returns the logit.</summary>
    public T Classify(ReadOnlySpan<T> parameters, Workspace<T> ws)
    {
        DenseLayer.Forward(Layout.ClassifierWeights.Of(parameters), Layout.ClassifierBias.Of(parameters), ws.ClassifierInput, ws.ClassifierPre);
        Relu.Forward<T>(ws.ClassifierPre, ws.ClassifierOutput);
        ws.Logit = Layout.OutputBias.Of(parameters)[0] + TensorPrimitives.Dot(Layout.OutputWeights.Of(parameters), ws.ClassifierOutput);
        return ws.Logit;
    }

    /// <summary>Places the two embeddings after the transaction features in the classifier's input.</summary>
    public void JoinEmbeddings(Workspace<T> ws, ReadOnlySpan<T> card, ReadOnlySpan<T> merchant)
    {
        var f = Layout.Shape.TransactionFeatures;
        var e = Layout.Shape.Embedding;
        card.CopyTo(ws.ClassifierInput.AsSpan(f, e));
        merchant.CopyTo(ws.ClassifierInput.AsSpan(f + e, e));
    }

    /// <summary>The whole forward pass of one transaction (neighbourhood and transaction features already in the workspace).</summary>
    public T Forward(ReadOnlySpan<T> parameters, Workspace<T> ws)
    {
        EmbedRoot(parameters, ws, 0);
        EmbedRoot(parameters, ws, 1);
        JoinEmbeddings(ws, ws.Embedding(0), ws.Embedding(1));
        return Classify(parameters, ws);
    }

    /// <summary>Adds ∂L/∂θ to <paramref name="gradient"/> for ∂L/∂logit = <paramref name="logitGradient"/>, after <see cref="Forward"/> on the same workspace.</summary>
    public void Backward(ReadOnlySpan<T> parameters, Workspace<T> ws, T logitGradient, Span<T> gradient)
    {
        var shape = Layout.Shape;
        // Output unit and classifier layer.
        Layout.OutputBias.Of(gradient)[0] += logitGradient;
        TensorPrimitives.MultiplyAdd(ws.ClassifierOutput, logitGradient, Layout.OutputWeights.Of(gradient), Layout.OutputWeights.Of(gradient));
        var dHidden = ws.ClassifierGradient.AsSpan();
        TensorPrimitives.Multiply(Layout.OutputWeights.Of(parameters), logitGradient, dHidden);
        var dInput = ws.ClassifierInputGradient.AsSpan();
        dInput.Clear();
        Relu.Backward<T>(ws.ClassifierPre, dHidden, dHidden);
        DenseLayer.Backward<T>(Layout.ClassifierWeights.Of(parameters), ws.ClassifierInput, dHidden,
            Layout.ClassifierWeights.Of(gradient), Layout.ClassifierBias.Of(gradient), dInput);

        for (var root = 0; root < 2; root++)
        {
            // Layer 2 of the root.
            var dEmbedding = ws.Layer2Gradient.AsSpan();
            dInput.Slice(shape.TransactionFeatures + root * shape.Embedding, shape.Embedding).CopyTo(dEmbedding);
            var dInput2 = ws.Layer2InputGradient.AsSpan();
            dInput2.Clear();
            SageLayer.Backward(Layout.Layer2Weights[root].Of(parameters), ws.Input2(root), ws.Pre2(root), dEmbedding,
                Layout.Layer2Weights[root].Of(gradient), Layout.Layer2Bias[root].Of(gradient), dInput2);

            // Layer 1 of the root (self half of layer 2's input) and of each neighbour (mean half, 1/n each).
            var n = ws.Neighbours[root];
            var dSelf = dInput2[..shape.Hidden1];
            var dMean = dInput2[shape.Hidden1..];
            if (n > 0)
            {
                TensorPrimitives.Multiply(dMean, T.One / T.CreateTruncating(n), dMean);
            }
            for (var j = 0; j <= n; j++)
            {
                var type = (int)Workspace<T>.TypeOf(root, j);
                var dOutput = ws.Layer1Gradient.AsSpan();
                (j == 0 ? dSelf : dMean).CopyTo(dOutput);
                SageLayer.Backward(Layout.Layer1Weights[type].Of(parameters), ws.Input1(root, j), ws.Pre1(root, j), dOutput,
                    Layout.Layer1Weights[type].Of(gradient), Layout.Layer1Bias[type].Of(gradient), []);
            }
        }
    }

    /// <summary>Binary cross-entropy of one row from its logit (stable form), and ∂loss/∂logit = σ(z) − y.</summary>
    public static (T Loss, T Gradient) CrossEntropy(T logit, bool fraud)
    {
        var y = fraud ? T.One : T.Zero;
        // softplus(z) − y·z, computed as max(z, 0) + log(1 + e^{−|z|}) − y·z.
        var loss = T.Max(logit, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(logit))) - y * logit;
        return (loss, Sigmoid(logit) - y);
    }

    public static T Sigmoid(T z) => z >= T.Zero ? T.One / (T.One + T.Exp(-z)) : T.Exp(z) / (T.One + T.Exp(z));
}
