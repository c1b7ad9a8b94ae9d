using FraudDetection.Core.Transactions;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>One test fold: its frauds, those no feature can see, and what a scorer perfect on the others gets.</summary>
public sealed record HandbookCeilingFold(HandbookFold Fold, int Frauds, int Hidden, HandbookFoldMetrics Perfect);

/// <summary>
/// What no legitimate feature can see on the book's simulated data: a test-week fraud is <i>hidden</i> when its amount
/// is at most 220 (scenario 1 labels every larger one), the latest transaction at its terminal whose label is known by
/// now (its time + the label delay) is not a fraud of the last 28 days (a compromise makes every transaction there a
/// fraud for 28 days from its first day: one that began within the delay shows nothing yet, and a genuine label after a
/// fraud says that compromise was over), and its amount is at most twice the card's mean over its previous 30 days
/// (scenario 3 multiplies amounts by 5). The perfect scorer
/// ranks every other fraud first and ties the hidden ones with the genuine transactions: its AP is about the most a
/// model can reach (a model may still rank hidden frauds above part of the genuine ones by chance, so AUC is not
/// bounded by it).
/// </summary>
public static class HandbookCeiling
{
    public const double Scenario1Amount = 220;
    public const int CompromiseDays = 28, CardMeanDays = 30;
    public const double CardMeanMultiple = 2;

    public static IReadOnlyList<HandbookCeilingFold> Run(string dataFile, ColumnMapping mapping, HandbookProtocol protocol, int labelDelayDays = 7)
    {
        var (from, to) = protocol.DaysUsed;
        var days = new List<int>();
        var cards = new List<long>();
        var labels = new List<bool>();
        var visible = new List<bool>();
        TransactionSource.Replay([dataFile], new ReadReport(), transactions =>
        {
            foreach (var (tx, isVisible) in Classify(transactions, labelDelayDays))
            {
                var day = DateOnly.FromDateTime(tx.TransDateTransTime);
                if (day < from || day >= to) continue;
                days.Add(day.DayNumber);
                cards.Add(tx.CcNum);
                labels.Add(tx.IsFraud == 1);
                visible.Add(isVisible);
            }
            return 0;
        }, mapping);

        var result = new List<HandbookCeilingFold>();
        foreach (var fold in protocol.TestFolds)
        {
            var split = HandbookSplit.Split(fold, [.. days], [.. cards], [.. labels]);
            var test = split.Test;
            var scores = test.Select(i => visible[i] ? 1f : 0f).ToArray();
            var perfect = HandbookMetrics.Evaluate(scores, [.. test.Select(i => labels[i])], [.. test.Select(i => days[i])], [.. test.Select(i => cards[i])], protocol.TopK);
            var frauds = test.Count(i => labels[i]);
            result.Add(new HandbookCeilingFold(fold, frauds, frauds - test.Count(i => visible[i]), perfect));
        }
        return result;
    }

    /// <summary>Each transaction (in time order) with whether it is a fraud some feature can see.</summary>
    public static IEnumerable<(Transaction Tx, bool Visible)> Classify(IEnumerable<Transaction> transactions, int labelDelayDays)
    {
        var delay = TimeSpan.FromDays(labelDelayDays);
        var terminals = new Dictionary<string, TerminalLabels>();
        var recent = new Dictionary<long, Queue<(DateTime Time, double Amount)>>();
        var sums = new Dictionary<long, double>();
        foreach (var tx in transactions)
        {
            var day = DateOnly.FromDateTime(tx.TransDateTransTime).DayNumber;
            var queue = recent.TryGetValue(tx.CcNum, out var q) ? q : recent[tx.CcNum] = new();
            var sum = sums.GetValueOrDefault(tx.CcNum);
            while (queue.Count > 0 && tx.TransDateTransTime - queue.Peek().Time > TimeSpan.FromDays(CardMeanDays)) sum -= queue.Dequeue().Amount;

            var fraud = tx.IsFraud == 1;
            var terminal = terminals.TryGetValue(tx.Merchant, out var t) ? t : terminals[tx.Merchant] = new();
            while (terminal.Unknown.Count > 0 && terminal.Unknown.Peek().Time + delay <= tx.TransDateTransTime)
            {
                terminal.LatestKnown = terminal.Unknown.Dequeue();
            }
            var isVisible = false;
            if (fraud)
            {
                var terminalSeen = terminal.LatestKnown is { Fraud: true } latest
                    && day - DateOnly.FromDateTime(latest.Time).DayNumber < CompromiseDays;
                var cardHigh = queue.Count > 0 && tx.Amt > CardMeanMultiple * sum / queue.Count;
                isVisible = tx.Amt > Scenario1Amount || terminalSeen || cardHigh;
            }
            terminal.Unknown.Enqueue((tx.TransDateTransTime, fraud));
            queue.Enqueue((tx.TransDateTransTime, tx.Amt));
            sums[tx.CcNum] = sum + tx.Amt;
            yield return (tx, isVisible);
        }
    }

    /// <summary>A terminal's transactions whose labels are not known yet (in time order), and the latest one that is.</summary>
    private sealed class TerminalLabels
    {
        public Queue<(DateTime Time, bool Fraud)> Unknown { get; } = new();
        public (DateTime Time, bool Fraud)? LatestKnown { get; set; }
    }
}
