using System.Security.Cryptography;
using System.Text;

namespace FraudDetection.Core.Features;

/// <summary>
/// The ordered feature names and a version that changes whenever names or their meaning change. An ONNX model carries
/// both in its metadata; Scoring refuses a model whose schema is not <see cref="Current"/>.
/// </summary>
public sealed class FeatureSchema : IEquatable<FeatureSchema>
{
    /// <summary>Bump when a feature's meaning changes without a name change (windows, decay, sentinels, state layout).</summary>
    public const string SemanticVersion = "2.1.0";

    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    public FeatureSchema(string version, IEnumerable<string> names)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        _index = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(_names[i])) throw new ArgumentException($"Feature {i} has an empty name.", nameof(names));
            if (!_index.TryAdd(_names[i], i)) throw new ArgumentException($"Feature name '{_names[i]}' appears twice.", nameof(names));
        }
        Version = version;
    }

    /// <summary>The schema this build computes.</summary>
    public static FeatureSchema Current { get; } = Create(FeatureDefinitions.All.Select(d => d.Name), SemanticVersion);

    /// <summary>"semver+hash": the semantic version and the first 12 hex digits of SHA-256 over it and the names.</summary>
    public string Version { get; }

    public IReadOnlyList<string> Names => _names;

    public int Count => _names.Length;

    /// <summary>The column of a feature, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>A schema whose version is derived from the names and a semantic version.</summary>
    public static FeatureSchema Create(IEnumerable<string> names, string semanticVersion)
    {
        var list = names.ToArray();
        return new FeatureSchema(ComputeVersion(list, semanticVersion), list);
    }

    public static string ComputeVersion(IReadOnlyList<string> names, string semanticVersion)
    {
        var text = semanticVersion + "\n" + string.Join('\n', names);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return semanticVersion + "+" + Convert.ToHexStringLower(hash.AsSpan(0, 6));
    }

    /// <summary>
    /// Whether this schema is a selection of <paramref name="full"/>: its names in <paramref name="full"/>'s order (a
    /// subsequence) and its version the one <see cref="Create"/> gives them under <paramref name="full"/>'s semantic
    /// version — what a model trained on some of the features carries.
    /// </summary>
    public bool IsSelectionOf(FeatureSchema full)
    {
        ArgumentNullException.ThrowIfNull(full);
        var semantic = full.Version.Split('+')[0];
        if (Version != ComputeVersion(_names, semantic)) return false;
        var at = -1;
        foreach (var name in _names)
        {
            var index = full.IndexOf(name);
            if (index <= at) return false;
            at = index;
        }
        return _names.Length > 0;
    }

    /// <summary>The column in <paramref name="full"/> of each of this schema's features (a selection of it).</summary>
    public int[] ColumnsIn(FeatureSchema full) => [.. _names.Select(full.IndexOf)];

    /// <summary>Same version and the same names in the same order.</summary>
    public bool Equals(FeatureSchema? other) =>
        other is not null && Version == other.Version && _names.AsSpan().SequenceEqual(other._names);

    public override bool Equals(object? obj) => Equals(obj as FeatureSchema);

    public override int GetHashCode() => HashCode.Combine(Version, _names.Length);

    public override string ToString() => $"{Version} ({Count} features)";
}
