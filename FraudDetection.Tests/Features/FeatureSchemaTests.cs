using System.Reflection;
using System.Text;
using FraudDetection.Core.Features;

namespace FraudDetection.Tests.Features;

public class FeatureSchemaTests
{
    [Fact]
    public void Every_index_constant_names_the_feature_in_its_column()
    {
        var constants = typeof(FeatureIndex).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(FeatureIndex.Count))
            .ToDictionary(f => SnakeCase(f.Name), f => (int)f.GetRawConstantValue()!);

        constants.Should().HaveCount(FeatureSchema.Current.Count);
        FeatureIndex.Count.Should().Be(FeatureSchema.Current.Count);
        foreach (var (name, index) in constants)
        {
            FeatureSchema.Current.IndexOf(name).Should().Be(index, $"constant for '{name}' must point at its column");
        }
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
        FeatureSchema.Current.Version.Should().Be("1.1.0+" + ExpectedHash());
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

    private static string ExpectedHash() => "b3510f24a0f6";

    internal static string RepoRoot() => RepoPaths.Root;

    private static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (i > 0 && (char.IsUpper(c) || (char.IsDigit(c) && char.IsLetter(pascal[i - 1])))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
