using FraudDetection.Core.Transactions;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

public sealed class TransactionSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tx-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<Transaction> Slice() =>
        [.. TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Take(600)];

    [Fact]
    public void Several_sorted_files_merge_into_event_time_order()
    {
        var rows = Slice();
        var even = Path.Combine(_dir, "even.csv");
        var odd = Path.Combine(_dir, "odd.csv.gz");
        TransactionCsv.WriteFile(even, rows.Where((_, i) => i % 2 == 0));
        TransactionCsv.WriteFile(odd, rows.Where((_, i) => i % 2 == 1));
        var report = new ReadReport();

        var merged = TransactionSource.Replay([odd, even], report, txs => txs.Select(tx => tx.TransNum).ToList());

        merged.Should().HaveCount(rows.Count);
        var times = rows.ToDictionary(tx => tx.TransNum, tx => tx.TransDateTransTime);
        merged.Select(id => times[id]).Should().BeInAscendingOrder();
        report.Rows.Should().Be(rows.Count);
        report.BadRows.Should().Be(0);
    }

    [Fact]
    public void An_unsorted_file_is_replayed_again_sorted_and_bad_rows_are_counted()
    {
        var rows = Slice();
        var path = Path.Combine(_dir, "reversed.csv");
        TransactionCsv.WriteFile(path, Enumerable.Reverse(rows));
        File.AppendAllText(path, "999,not a date,1,m,c,x\n");
        var report = new ReadReport();
        var calls = 0;

        var replayed = TransactionSource.Replay([path], report, txs =>
        {
            calls++;
            return txs.Select(tx => tx.TransDateTransTime).ToList();
        });

        calls.Should().Be(2, "the streamed pass stops at the first row out of order and the sorted pass starts over");
        replayed.Should().HaveCount(rows.Count).And.BeInAscendingOrder();
        report.BadRows.Should().Be(1);
        report.FirstErrors.Should().ContainSingle();
    }

    [Fact]
    public void A_missing_file_is_named_in_the_error()
    {
        var missing = Path.Combine(_dir, "nope.csv");
        var act = () => TransactionSource.Replay([missing], new ReadReport(), txs => txs.Count());
        act.Should().Throw<FileNotFoundException>().WithMessage($"*{missing}*");
    }
}
