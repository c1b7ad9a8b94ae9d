using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// Feature rows for training, evaluation and backtests, built by replaying transactions through
/// <see cref="OnlineFeatureState"/> — the same code Scoring runs — in the given order (event time per card). The
/// columns are the state's <see cref="OnlineFeatureState.Selection"/> (all features by default).
/// </summary>
public sealed class FeatureMatrix
{
    private FeatureMatrix(FeatureSchema schema, int rows, float[] values, int[] labels, DateTime[] times, long[] cards, string[] ids)
    {
        Schema = schema;
        Rows = rows;
        Values = values;
        Labels = labels;
        Times = times;
        CardNumbers = cards;
        TransactionIds = ids;
    }

    public FeatureSchema Schema { get; }

    public int Rows { get; }

    public int Columns => Schema.Count;

    /// <summary>Row-major, <see cref="Rows"/> × <see cref="Columns"/> (arrays may be longer than needed).</summary>
    public float[] Values { get; }

    /// <summary>1 fraud, 0 not, -1 no label.</summary>
    public int[] Labels { get; }

    public DateTime[] Times { get; }

    public long[] CardNumbers { get; }

    public string[] TransactionIds { get; }

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    /// <summary>
    /// The rows with the columns of a model trained on <paramref name="model"/> (this matrix itself when its schema is
    /// that one; projected from a full matrix otherwise).
    /// </summary>
    public FeatureMatrix For(FeatureSchema model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Equals(Schema)) return this;
        if (!Schema.Equals(FeatureSchema.Current))
            throw new InvalidOperationException($"A matrix of {Schema} cannot feed a model of {model}: build it with all features.");
        var projection = new FeatureProjection(model);
        var values = new float[(long)Rows * projection.ModelColumns];
        projection.Project(Values, Rows, values);
        return new FeatureMatrix(model, Rows, values, Labels, Times, CardNumbers, TransactionIds);
    }

    /// <summary>Primes the state with <paramref name="history"/> (no rows), then emits a row for each of <paramref name="rows"/>.</summary>
    public static FeatureMatrix Build(IEnumerable<Transaction> history, IEnumerable<Transaction> rows, OnlineFeatureState state,
        Action<long>? progress = null, int capacityHint = 0)
    {
        ArgumentNullException.ThrowIfNull(history);
        Prime(state, history, progress);
        return Build(rows, state, emit: null, progress, capacityHint);
    }

    /// <summary>Adds transactions to the state without emitting rows (e.g. earlier history before a backtest).</summary>
    public static long Prime(OnlineFeatureState state, IEnumerable<Transaction> history, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(history);
        long n = 0;
        foreach (var tx in history)
        {
            state.Update(tx);
            if ((++n & 0xFFFF) == 0) progress?.Invoke(n);
        }
        progress?.Invoke(n);
        return n;
    }

    /// <summary>
    /// Replays <paramref name="ordered"/> through <paramref name="state"/> (a new one with <see cref="FeatureOptions.Default"/>
    /// when null): every transaction updates the state; those for which <paramref name="emit"/> holds (all when null)
    /// get a row computed before their update, with the state's selected columns. <paramref name="progress"/> gets the
    /// count of transactions replayed. A transaction that cannot be featurized throws ArgumentException naming it.
    /// </summary>
    public static FeatureMatrix Build(IEnumerable<Transaction> ordered, OnlineFeatureState? state = null,
        Func<Transaction, bool>? emit = null, Action<long>? progress = null, int capacityHint = 0)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        state ??= new OnlineFeatureState();
        var selection = state.Selection;
        var columns = selection.Schema.Count;
        // A selection computes the full row into a scratch row and keeps its columns.
        var full = selection.IsAll ? null : new float[FeatureSchema.Current.Count];
        var capacity = Math.Max(capacityHint, 1024);
        var values = new float[(long)capacity * columns];
        var labels = new int[capacity];
        var times = new DateTime[capacity];
        var cards = new long[capacity];
        var ids = new string[capacity];
        var rows = 0;
        long seen = 0;
        foreach (var tx in ordered)
        {
            if (emit is null || emit(tx))
            {
                if (rows == capacity)
                {
                    capacity = checked(capacity * 2);
                    if ((long)capacity * columns > Array.MaxLength) throw new InvalidOperationException("Too many rows for one feature matrix.");
                    Array.Resize(ref values, capacity * columns);
                    Array.Resize(ref labels, capacity);
                    Array.Resize(ref times, capacity);
                    Array.Resize(ref cards, capacity);
                    Array.Resize(ref ids, capacity);
                }
                if (full is null)
                {
                    state.ComputeAndUpdate(tx, values.AsSpan(rows * columns, columns));
                }
                else
                {
                    state.ComputeAndUpdate(tx, full);
                    var row = values.AsSpan(rows * columns, columns);
                    for (var c = 0; c < row.Length; c++) row[c] = full[selection.Columns[c]];
                }
                labels[rows] = tx.IsFraud is int label ? label : -1;
                times[rows] = tx.TransDateTransTime;
                cards[rows] = tx.CcNum;
                ids[rows] = tx.TransNum;
                rows++;
            }
            else
            {
                state.Update(tx);
            }
            if ((++seen & 0xFFFF) == 0) progress?.Invoke(seen);
        }
        progress?.Invoke(seen);
        return new FeatureMatrix(selection.Schema, rows, values, labels, times, cards, ids);
    }
}
