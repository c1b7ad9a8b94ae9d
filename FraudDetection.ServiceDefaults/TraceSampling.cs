using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The services' trace sampler: the one <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> name (the
/// OpenTelemetry specification's values; parent-based, always on, without them), except that a span started with the
/// tag <see cref="AlwaysTracedTag"/> is always recorded: an alert is rare and what the fraud team opens a trace for,
/// so it gets a trace of its own however few of the transactions are traced.
/// </summary>
public static class TraceSampling
{
    /// <summary>A span started with this tag (any value) is recorded whatever the ratio.</summary>
    public const string AlwaysTracedTag = "fraud.always_traced";

    /// <summary>The sampler configured by <paramref name="configuration"/>, with <see cref="AlwaysTracedTag"/> honoured.</summary>
    public static Sampler FromConfiguration(IConfiguration configuration) =>
        new AlwaysTracedSampler(Configured(configuration["OTEL_TRACES_SAMPLER"], configuration["OTEL_TRACES_SAMPLER_ARG"]));

    /// <summary>The specification's samplers by name (setting a sampler replaces the SDK's own reading of these variables).</summary>
    public static Sampler Configured(string? name, string? argument)
    {
        var ratio = double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1 ? value : 1.0;
        return name?.Trim().ToLowerInvariant() switch
        {
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
            _ => new ParentBasedSampler(new AlwaysOnSampler()),
        };
    }

    private sealed class AlwaysTracedSampler(Sampler configured) : Sampler
    {
        private static readonly SamplingResult Recorded = new(SamplingDecision.RecordAndSample);

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
        {
            if (samplingParameters.Tags is { } tags)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == AlwaysTracedTag)
                    {
                        return Recorded;
                    }
                }
            }
            return configured.ShouldSample(samplingParameters);
        }
    }
}
