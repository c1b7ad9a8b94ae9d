using FraudDetection.Core.Transactions;

namespace FraudDetection.Tests.Core;

public class TransactionCsvTests
{
    [Theory]
    [InlineData("fraudTrain.head.csv", 5039, 22)]
    [InlineData("fraudTest.head.csv", 5116, 18)]
    public void Reads_every_row_of_the_real_Kaggle_slices(string file, int rows, int frauds)
    {
        var errors = new List<CsvRowError>();
        var transactions = TransactionCsv.ReadFile(RepoPaths.KaggleSlice(file), errors.Add).ToList();

        errors.Should().BeEmpty();
        transactions.Should().HaveCount(rows);
        transactions.Count(t => t.IsFraud == 1).Should().Be(frauds);
        transactions.Should().OnlyContain(t => t.IsFraud == 0 || t.IsFraud == 1);
        transactions.Select(t => t.TransNum).Should().OnlyHaveUniqueItems();
        transactions.Should().OnlyContain(t => t.TransNum.Length == 32 && t.CcNum > 0 && t.Merchant.StartsWith("fraud_"));
        transactions.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder();
    }

    [Fact]
    public void Reads_quoted_fields_and_numbers_of_a_known_row_exactly()
    {
        // Line 4 of fraudTest.head.csv (index 2): quoted merchant and job, each holding a comma.
        var row = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).ElementAt(2);

        row.TransDateTransTime.Should().Be(new DateTime(2020, 6, 21, 12, 14, 53));
        row.CcNum.Should().Be(3598215285024754);
        row.Merchant.Should().Be("fraud_Swaniawski, Nitzsche and Welch");
        row.Category.Should().Be("health_fitness");
        row.Amt.Should().Be(41.28);
        row.First.Should().Be("Ashley");
        row.Last.Should().Be("Lopez");
        row.Gender.Should().Be("F");
        row.Street.Should().Be("9333 Valentine Point");
        row.City.Should().Be("Bellmore");
        row.State.Should().Be("NY");
        row.Zip.Should().Be(11710);
        row.Lat.Should().Be(40.6729);
        row.Long.Should().Be(-73.5365);
        row.CityPop.Should().Be(34496);
        row.Job.Should().Be("Librarian, public");
        row.Dob.Should().Be(new DateOnly(1970, 10, 21));
        row.TransNum.Should().Be("c81755dbbbea9d5c77f094348a7579be");
        row.UnixTime.Should().Be(1371816893);
        row.MerchLat.Should().Be(40.49581);
        row.MerchLong.Should().Be(-74.196111);
        row.IsFraud.Should().Be(0);
    }

    [Fact]
    public void The_last_row_without_a_final_newline_is_read()
    {
        var last = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Last();

        last.TransNum.Should().Be("d5784519f9b5b785b2b15c183b0637d4");
        last.MerchLong.Should().Be(-83.212284);
        last.IsFraud.Should().Be(0);
    }

    [Fact]
    public void Write_then_read_gives_equal_transactions_including_quotes_commas_and_missing_labels()
    {
        var original = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).Take(500).ToList();
        original[0] = original[0] with { Merchant = "fraud_\"Quoted\", Inc", Job = "Editor, \"magazine\"", Amt = 45.0 };
        original[1] = original[1] with { IsFraud = null, Street = "1 \"A\" St" };

        var text = new StringWriter();
        TransactionCsv.Write(text, original).Should().Be(500);
        var errors = new List<CsvRowError>();
        var back = TransactionCsv.Read(new StringReader(text.ToString()), errors.Add).ToList();

        errors.Should().BeEmpty();
        back.Should().Equal(original);
        text.ToString().Should().StartWith("," + string.Join(',', TransactionCsv.Columns) + "\r\n0,");
        text.ToString().Should().Contain("\"fraud_\"\"Quoted\"\", Inc\"").And.Contain(",45.0,");
    }

    [Fact]
    public void Gzip_files_round_trip_and_are_detected_by_content()
    {
        var original = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"csv-{Guid.NewGuid():N}.csv.gz");
        try
        {
            TransactionCsv.WriteFile(path, original);
            TransactionCsv.ReadFile(path).Should().Equal(original);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reads_LF_line_ends_and_files_without_the_index_column()
    {
        var lines = File.ReadAllLines(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Take(101).ToList();
        // Drop the leading index column (up to the first comma) from every line; LF only.
        var withoutIndex = string.Join('\n', lines.Select(l => l[(l.IndexOf(',') + 1)..])) + "\n";
        var expected = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Take(100).ToList();

        TransactionCsv.Read(new StringReader(withoutIndex)).Should().Equal(expected);
    }

    [Fact]
    public void Corrupted_rows_are_lost_alone_and_each_is_reported_with_its_line_and_reason()
    {
        var lines = File.ReadAllLines(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Take(41).ToList();
        var good = TransactionCsv.Read(new StringReader(string.Join("\r\n", lines))).ToList();
        good.Should().HaveCount(40);

        string Corrupt(int row, int column, string value)
        {
            var fields = SplitRaw(lines[row]);
            fields[column] = value;
            return string.Join(',', fields);
        }

        // Each bad line (built from a real one) and words its reason must hold; lines 1 and 2 have quoted merchants.
        var bad = new List<(string Line, string Reason)>
        {
            (string.Join(',', SplitRaw(lines[3]).Take(15)), "columns"),
            (Corrupt(5, 5, "12,50"), "columns"),
            (Corrupt(7, 5, "abc"), "amt"),
            (Corrupt(9, 1, "2019-13-45 00:00:00"), "trans_date_trans_time"),
            (Corrupt(11, 18, ""), "missing trans_num"),
            (Corrupt(13, 2, ""), "missing cc_num"),
            (Corrupt(15, 2, "4242x"), "cc_num"),
            (Corrupt(17, 13, "north"), "lat"),
            (Corrupt(19, 17, "yesterday"), "dob"),
            (lines[1].Replace("\"fraud_Rippin", "\"fraud_\"xRippin"), "closing quote"),
            (lines[2].Replace("\"fraud_", "fraud_").Replace("\",", ","), "columns"),
            (lines[2][..lines[2].IndexOf('"')] + "\"fraud_unterminated,misc_net,1.0", "unterminated"),
            (Corrupt(27, 22, "maybe"), "is_fraud"),
        };

        var corrupted = new List<string> { lines[0] };
        var expectedErrors = new List<(long Line, string Reason)>();
        var expectedGood = new List<Transaction>();
        for (var row = 1; row < lines.Count; row++)
        {
            corrupted.Add(lines[row]);
            expectedGood.Add(good[row - 1]);
            // After original rows 3, 5, 7, ...: one bad line each.
            var injected = (row - 3) / 2;
            if (row >= 3 && row % 2 == 1 && injected < bad.Count)
            {
                corrupted.Add(bad[injected].Line);
                expectedErrors.Add((corrupted.Count, bad[injected].Reason));
            }
        }

        var errors = new List<CsvRowError>();
        var read = TransactionCsv.Read(new StringReader(string.Join("\r\n", corrupted)), errors.Add).ToList();

        read.Should().Equal(expectedGood);
        errors.Should().HaveCount(bad.Count);
        for (var i = 0; i < bad.Count; i++)
        {
            errors[i].LineNumber.Should().Be(expectedErrors[i].Line);
            errors[i].Reason.Should().Contain(expectedErrors[i].Reason);
        }
    }

    [Fact]
    public void The_reader_counts_what_it_read_and_skipped()
    {
        var text = ",trans_date_trans_time,cc_num,merchant,category,amt,trans_num\n"
                   + "0,2019-01-01 00:00:18,42,fraud_A,misc_net,4.97,t1\n"
                   + "1,2019-01-01 00:00:19,,fraud_A,misc_net,4.97,t2\n"
                   + "\n"
                   + "2,2019-01-01 00:00:20,43,fraud_B,misc_net,5,t3";
        var errors = new List<CsvRowError>();
        var reader = new TransactionCsvReader(new StringReader(text), errors.Add);
        var read = new List<Transaction>();
        while (reader.TryRead(out var t))
        {
            read.Add(t);
        }

        read.Select(t => t.TransNum).Should().Equal("t1", "t3");
        read.Should().OnlyContain(t => t.IsFraud == null && t.First == "");
        reader.RowsRead.Should().Be(2);
        reader.RowsSkipped.Should().Be(1);
        errors.Should().ContainSingle().Which.Should().Be(new CsvRowError(3, "missing cc_num"));
    }

    [Fact]
    public void A_header_without_a_required_column_is_refused_with_a_clear_error()
    {
        var act = () => TransactionCsv.Read(new StringReader("a,b,c\n1,2,3")).ToList();

        act.Should().Throw<InvalidDataException>().WithMessage("*trans_date_trans_time*");
    }

    // A plain RFC 4180 split for building test input (fields keep their quotes).
    private static List<string> SplitRaw(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (c == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        fields.Add(current.ToString());
        return fields;
    }
}

public class TransactionCsvWriterFormatTests
{
    [Theory]
    [InlineData("fraudTrain.head.csv")]
    [InlineData("fraudTest.head.csv")]
    public void Writing_the_Kaggle_rows_back_reproduces_the_original_file_byte_for_byte(string file)
    {
        var path = RepoPaths.KaggleSlice(file);
        var text = new StringWriter();

        TransactionCsv.Write(text, TransactionCsv.ReadFile(path));

        // The originals end without a final line break; the writer ends every row with CRLF.
        text.ToString().Should().Be(File.ReadAllText(path) + "\r\n");
    }
}
