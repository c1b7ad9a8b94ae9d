using FraudDetection.Core.Features;

namespace FraudDetection.Tests.Features;

public class FeatureSchemaTests
{
    [Fact]
    public void Groups_own_contiguous_columns_and_the_dictionary_lists_them_in_order()
    {
        var offset = 0;
        foreach (var group in FeatureGroups.All)
        {
            group.Offset.Should().Be(offset, $"group {group.Name} starts where the previous one ends");
            group.Features.Should().OnlyContain(f => f.Group == group.Name);
            offset += group.Count;
        }
        offset.Should().Be(FeatureSchema.Current.Count);
        FeatureDefinitions.All.Select(d => d.Name).Should().Equal(FeatureSchema.Current.Names);
    }

    [Fact]
    public void Every_group_writes_every_one_of_its_columns()
    {
        // A declared feature that no line computes would keep the sentinel (NaN) here.
        var stream = TestTransactions.Stream(600, cards: 6, fraudRate: 0.1);
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = TimeSpan.FromHours(1) });
        var row = new float[FeatureSchema.Current.Count];
        foreach (var tx in stream)
        {
            row.AsSpan().Fill(float.NaN);
            state.ComputeAndUpdate(tx, row);
            for (var c = 0; c < row.Length; c++) float.IsFinite(row[c]).Should().BeTrue($"{FeatureSchema.Current.Names[c]} must be written");
        }
        row.AsSpan().Fill(float.NaN);
        new OnlineFeatureState().Compute(stream[0], row);
        row.Should().OnlyContain(v => float.IsFinite(v), "a new card writes every column too");
    }

    [Fact]
    public void Version_is_derived_from_names_and_semantic_version()
    {
        var names = FeatureSchema.Current.Names;
        FeatureSchema.Create(names, FeatureSchema.SemanticVersion).Should().Be(FeatureSchema.Current);
        FeatureSchema.Current.Version.Should().StartWith(FeatureSchema.SemanticVersion + "+");

        var renamed = names.Select(n => n == "amt" ? "amount" : n).ToArray();
        var reordered = names.Reverse().ToArray();
        var extended = names.Append("extra").ToArray();
        var versions = new[]
        {
            FeatureSchema.Current.Version,
            FeatureSchema.Create(renamed, FeatureSchema.SemanticVersion).Version,
            FeatureSchema.Create(reordered, FeatureSchema.SemanticVersion).Version,
            FeatureSchema.Create(extended, FeatureSchema.SemanticVersion).Version,
            FeatureSchema.Create(names, "9.9.9").Version,
        };
        versions.Should().OnlyHaveUniqueItems();
        FeatureSchema.Create(renamed, FeatureSchema.SemanticVersion).Should().NotBe(FeatureSchema.Current);
    }

    [Fact]
    public void Current_version_is_pinned_so_a_schema_change_is_deliberate()
    {
        // Changing a name, the order or the semantic version changes this value: update it together with
        // docs/features.md, and retrain (models of the old version are refused by Scoring).
        FeatureSchema.Current.Version.Should().Be("2.1.0+" + ExpectedHash());
        FeatureSchema.Current.Names.Take(3).Should().Equal("amt", "log_amt", "category");
    }

    [Fact]
    public void IndexOf_unknown_is_minus_one_and_duplicates_are_refused()
    {
        FeatureSchema.Current.IndexOf("no_such_feature").Should().Be(-1);
        var act = () => new FeatureSchema("x", ["a", "b", "a"]);
        act.Should().Throw<ArgumentException>().WithMessage("*'a' appears twice*");
    }

    [Fact]
    public void Feature_dictionary_document_lists_every_feature()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "features.md"));
        foreach (var name in FeatureSchema.Current.Names)
        {
            doc.Should().Contain($"`{name}`", $"docs/features.md must describe {name}");
        }
        doc.Should().Contain(FeatureSchema.Current.Version);
    }

    private static string ExpectedHash() => "3383cfd89a41";

    internal static string RepoRoot() => RepoPaths.Root;
}
