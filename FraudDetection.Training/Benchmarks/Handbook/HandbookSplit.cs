namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>The rows of one fold: training rows, and test rows left after the removal of known compromised cards.</summary>
public sealed record HandbookFoldRows(int[] Train, int[] Test, int KnownCards);

/// <summary>
/// Splits rows into a fold's training and test sets exactly as the book's <c>get_train_test_set</c> does: training =
/// every transaction of the training week (not filtered); test = the assessment week's transactions minus those of
/// known compromised cards. The known set starts as the cards with a fraud in the training week; before test day k
/// (k = 0..) the cards with a fraud on day <c>train start + train days + k − 1</c> join it, so a fraud is known once
/// the delay has passed.
/// </summary>
public static class HandbookSplit
{
    /// <param name="days">Each row's calendar day (<see cref="DateOnly.DayNumber"/>).</param>
    public static HandbookFoldRows Split(HandbookFold fold, ReadOnlySpan<int> days, ReadOnlySpan<long> cards, ReadOnlySpan<bool> labels)
    {
        var trainFrom = fold.TrainStart.DayNumber;
        var trainTo = fold.TrainEnd.DayNumber;
        var train = new List<int>();
        var known = new HashSet<long>();
        var byDay = new Dictionary<int, List<int>>();
        for (var i = 0; i < days.Length; i++)
        {
            var day = days[i];
            if (day >= trainFrom && day < trainTo)
            {
                train.Add(i);
                if (labels[i]) known.Add(cards[i]);
            }
            if (day >= trainFrom && day < fold.TestEnd.DayNumber)
            {
                if (!byDay.TryGetValue(day, out var rows)) byDay[day] = rows = [];
                rows.Add(i);
            }
        }
        var test = new List<int>();
        for (var k = 0; k < fold.TestDays; k++)
        {
            if (byDay.TryGetValue(trainTo + k - 1, out var delayRows))
            {
                foreach (var i in delayRows)
                {
                    if (labels[i]) known.Add(cards[i]);
                }
            }
            if (byDay.TryGetValue(fold.TestStart.DayNumber + k, out var testRows))
            {
                foreach (var i in testRows)
                {
                    if (!known.Contains(cards[i])) test.Add(i);
                }
            }
        }
        return new HandbookFoldRows([.. train], [.. test], known.Count);
    }
}
