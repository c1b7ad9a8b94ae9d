using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace FraudDetection.Tests.ServiceDefaults;

public sealed class TraceSamplingTests
{
    private static readonly ActivityTraceId TraceId = ActivityTraceId.CreateRandom();

    private static Sampler Sampler(string? name, string? argument) => TraceSampling.FromConfiguration(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = name, ["OTEL_TRACES_SAMPLER_ARG"] = argument })
        .Build());

    private static SamplingDecision Decide(Sampler sampler, ActivityContext parent = default, bool alwaysTraced = false) =>
        sampler.ShouldSample(new SamplingParameters(parent, TraceId, "span", ActivityKind.Internal,
            alwaysTraced ? [new(TraceSampling.AlwaysTracedTag, true)] : null)).Decision;

    private static ActivityContext Parent(bool sampled) =>
        new(TraceId, ActivitySpanId.CreateRandom(), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);

    [Fact]
    public void A_ratio_of_zero_traces_no_transaction_but_every_span_tagged_always_traced()
    {
        var sampler = Sampler("parentbased_traceidratio", "0");

        Decide(sampler).Should().Be(SamplingDecision.Drop, "a root at ratio 0");
        Decide(sampler, Parent(sampled: false)).Should().Be(SamplingDecision.Drop, "a child of an unsampled span");
        Decide(sampler, Parent(sampled: true)).Should().Be(SamplingDecision.RecordAndSample, "parent-based: a sampled parent's child");
        Decide(sampler, alwaysTraced: true).Should().Be(SamplingDecision.RecordAndSample);
        Decide(sampler, Parent(sampled: false), alwaysTraced: true).Should().Be(SamplingDecision.RecordAndSample);
    }

    [Theory]
    [InlineData(null, null, true, false)] // the SDK's default: parent-based, always on
    [InlineData("always_on", null, true, true)]
    [InlineData("always_off", null, false, false)]
    [InlineData("traceidratio", "1", true, true)]
    [InlineData("parentbased_always_off", null, false, false)]
    [InlineData("PARENTBASED_TRACEIDRATIO", "1", true, false)]
    [InlineData("parentbased_traceidratio", "not a number", true, false)] // the specification's default ratio, 1
    public void The_specifications_samplers_are_read_by_name(string? name, string? argument, bool root, bool childOfUnsampled)
    {
        var sampler = Sampler(name, argument);

        Decide(sampler).Should().Be(root ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
        Decide(sampler, Parent(sampled: false)).Should().Be(childOfUnsampled ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
        Decide(sampler, alwaysTraced: true).Should().Be(SamplingDecision.RecordAndSample);
    }
}
