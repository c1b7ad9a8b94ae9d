using System.Text;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Core.Transactions.Mapping;

namespace FraudDetection.Tests.Core;

public sealed class ColumnMappingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mapping-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string HandbookRows = """
        TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO
        0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0
        1,2018-04-01 00:02:10,0,2715,85.64999999999999,130,0,1,3
        2,2018-04-01 00:07:56,2,1076,146.0,476,0,0,0
        """;

    private static List<Transaction> Read(string csv, ColumnMapping mapping, List<CsvRowError>? errors = null)
    {
        var reader = new TransactionCsvReader(new StringReader(csv), mapping, errors is null ? null : errors.Add);
        var rows = new List<Transaction>();
        while (reader.TryRead(out var transaction))
        {
            rows.Add(transaction);
        }
        return rows;
    }

    [Fact]
    public void The_handbook_preset_reads_the_books_raw_layout_unchanged()
    {
        var rows = Read(HandbookRows, ColumnMapping.Handbook);

        rows.Should().HaveCount(3);
        rows[0].CcNum.Should().Be(596);
        rows[0].Merchant.Should().Be("3156");
        rows[0].TransDateTransTime.Should().Be(new DateTime(2018, 4, 1, 0, 0, 31));
        rows[0].Amt.Should().Be(57.16);
        rows[0].TransNum.Should().Be("0");
        rows[0].IsFraud.Should().Be(0);
        rows[1].Amt.Should().Be(85.64999999999999, "the book's amounts read back exactly");
        rows[1].IsFraud.Should().Be(1);
        // Customer 0 is no card number: it gets a stable one above every real card number.
        rows[1].CcNum.Should().BeGreaterThanOrEqualTo(1L << 62);
        Read(HandbookRows, ColumnMapping.Handbook)[1].CcNum.Should().Be(rows[1].CcNum);
        // What the layout lacks is absent, as in a JSON record without it; the scenario column is never read.
        rows.Should().OnlyContain(t => t.Category == null && t.First == null && t.State == null && t.Gender == null
            && t.Lat == 0 && t.CityPop == 0 && t.Dob == default && t.UnixTime == 0);
        ColumnMapping.Handbook.Inputs.Should().Be(TransactionInputs.Required | TransactionInputs.Label);
        ColumnMapping.Kaggle.Inputs.Should().Be(TransactionInputs.All);
    }

    [Fact]
    public void A_yaml_file_a_json_file_and_command_line_pairs_give_the_same_mapping()
    {
        var yaml = Path.Combine(_dir, "bank.yaml");
        File.WriteAllText(yaml, """
            # card-not-present export
            card: customer
            merchant: shop
            time: ts
            time_format: unix
            amount: value
            label: chargeback
            category: mcc
            """);
        var json = Path.Combine(_dir, "bank.json");
        File.WriteAllText(json, """{"card": "customer", "merchant": "shop", "time": "ts", "time_format": "unix", "amount": "value", "label": "chargeback", "category": "mcc"}""");
        var pairs = ColumnMapping.Resolve(null, ["card=customer", "merchant=shop", "time=ts", "time_format=unix", "amount=value", "label=chargeback", "category=mcc"]);

        var csv = "customer,shop,ts,value,chargeback,mcc,note\nC1093826151,m1,1530403200,12.5,,grocery_pos,x\n42,m2,1530403260.9,7,1,travel,y\n";
        foreach (var mapping in new[] { ColumnMapping.Resolve(yaml), ColumnMapping.Resolve(json), pairs })
        {
            var rows = Read(csv, mapping);
            rows.Should().HaveCount(2);
            rows[0].CcNum.Should().BeGreaterThanOrEqualTo(1L << 62, "a text id gets a stable number");
            rows[1].CcNum.Should().Be(42);
            rows[0].TransDateTransTime.Should().Be(new DateTime(2018, 7, 1, 0, 0, 0));
            rows[1].TransDateTransTime.Should().Be(new DateTime(2018, 7, 1, 0, 1, 0), "fractions of a second are dropped");
            rows[0].IsFraud.Should().BeNull("an empty label is unknown");
            rows[1].IsFraud.Should().Be(1);
            rows.Select(r => r.Category).Should().Equal(["grocery_pos", "travel"]);
            rows.Select(r => r.TransNum).Should().Equal(["2", "3"], "without an id column a row's id is its line number");
            mapping.Inputs.Should().Be(TransactionInputs.Required | TransactionInputs.Label | TransactionInputs.Category);
        }
        ColumnMapping.Resolve("handbook", ["amount=TX_AMOUNT_EUR"]).Amount.Should().Be("TX_AMOUNT_EUR");
    }

    [Fact]
    public void Mistakes_in_a_mapping_or_a_file_are_one_line_errors()
    {
        var act = () => ColumnMapping.Resolve(null, ["card=c", "merchant=m", "time=t"]);
        act.Should().Throw<InvalidDataException>().WithMessage("*lacks the required amount, label*");
        act = () => ColumnMapping.Resolve(null, ["card=c", "merchant=m", "time=t", "amount=a", "label=l", "colour=x"]);
        act.Should().Throw<InvalidDataException>().WithMessage("*unknown field 'colour'*");
        act = () => ColumnMapping.Resolve("nonexistent-mapping.yaml");
        act.Should().Throw<InvalidDataException>().WithMessage("*neither a preset (kaggle, handbook) nor an existing file*");
        act = () => ColumnMapping.Resolve(null, ["card"]);
        act.Should().Throw<InvalidDataException>().WithMessage("*is not field=column*");

        var wrongHeader = () => Read("CUSTOMER,TERMINAL_ID,TX_DATETIME,TX_AMOUNT\n1,2,2018-04-01 00:00:00,3\n", ColumnMapping.Handbook);
        wrongHeader.Should().Throw<InvalidDataException>().WithMessage("*lacks what mapping 'handbook' names: card → 'CUSTOMER_ID'*");

        var errors = new List<CsvRowError>();
        var rows = Read(HandbookRows + "\n3,2018-04-01 00:09:00,5,7,abc,540,0,0,0\n4,not a date,5,7,1.0,540,0,0,0\n5,2018-04-01 00:10:00,,7,1.0,600,0,0,0\n", ColumnMapping.Handbook, errors);
        rows.Should().HaveCount(3, "bad rows are skipped, good ones kept");
        errors.Select(e => e.Reason).Should().Equal("TX_AMOUNT 'abc' is not a number",
            "TX_DATETIME 'not a date' is not a date-time (yyyy-MM-dd HH:mm:ss)", "missing card (CUSTOMER_ID)");
    }

    [Fact]
    public void A_mapped_transaction_is_published_without_the_fields_its_layout_lacks_and_reads_back_the_same()
    {
        var rows = Read(HandbookRows, ColumnMapping.Handbook);
        foreach (var row in rows)
        {
            var json = Serialize(row, ColumnMapping.Handbook);
            using var document = JsonDocument.Parse(json);
            document.RootElement.EnumerateObject().Select(p => p.Name).Should()
                .Equal("trans_date_trans_time", "cc_num", "merchant", "amt", "trans_num", "is_fraud");
            JsonSerializer.Deserialize(json, FraudJsonContext.Default.Transaction).Should().Be(row, "the consumer reads what the offline reader read");
        }
        // The Kaggle layout keeps every field, as the serializer writes it.
        var kaggle = rows[0] with { Category = "travel", First = "Ann" };
        Serialize(kaggle, null).Should().Be(JsonSerializer.Serialize(kaggle, FraudJsonContext.Default.Transaction));
    }

    private static string Serialize(Transaction transaction, ColumnMapping? mapping)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            MappedTransactionJson.Write(writer, transaction, mapping);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
