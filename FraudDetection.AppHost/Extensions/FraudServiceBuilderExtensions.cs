using System.Buffers.Text;
using System.Security.Cryptography;

namespace Aspire.Hosting;

/// <summary>The settings the app host hands to the FraudDetection services, under the keys they read on their own.</summary>
public static class FraudServiceBuilderExtensions
{
    /// <summary>All state of the run under one absolute folder (<c>FraudDetection__DataDirectory</c>).</summary>
    public static IResourceBuilder<ProjectResource> WithDataDirectory(this IResourceBuilder<ProjectResource> builder, string dataDirectory) =>
        builder.WithEnvironment("FraudDetection__DataDirectory", dataDirectory);

    /// <summary>
    /// The Producer's replay: the file, the card history sent ahead of it (empty: none), its rate and looping, and its
    /// position kept under the data directory so that the next run goes on where this one stopped.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplay(this IResourceBuilder<ProjectResource> builder, string file, string history, string rate, bool loop) =>
        builder
            .WithEnvironment("Producer__File", file)
            .WithEnvironment("Producer__History", history)
            .WithEnvironment("Producer__Rate", rate)
            .WithEnvironment("Producer__Loop", loop ? "true" : "false")
            .WithEnvironment("Producer__ResumeReplay", "true");

    /// <summary>
    /// Training learns from the labelled <paramref name="sample"/>; with no champion yet it first trains the quick
    /// starter model (Training's <c>StarterModelRecipe</c>: 120 trees, learning rate 0.1, the last 14 days for
    /// validation, 500 rows explained) so that Scoring serves within a minute of a fresh start.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStarterModel(this IResourceBuilder<ProjectResource> builder, string sample) =>
        builder
            .WithEnvironment("Training__DataFiles__0", sample)
            .WithEnvironment("Training__TrainStarterModel", "true")
            .WithEnvironment("Training__Starter__Trees", "120")
            .WithEnvironment("Training__Starter__LearningRate", "0.1")
            .WithEnvironment("Training__Starter__ShapRows", "500")
            .WithEnvironment("Training__Starter__ValidationDays", "14");

    /// <summary>
    /// Lets the service's main consumer (options section <paramref name="section"/>, e.g. <c>Scoring</c>) wait for data
    /// as long as <paramref name="kafka"/> allows. Every broker the app host runs or is given answers a fetch as soon as
    /// data arrives (Kafka itself; the development broker long-polls for its mock cluster), so the wait adds no latency
    /// and sets how often an idle consumer asks. The services' own short defaults are for a bare mock cluster, which
    /// waits a fetch out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithFetchWait(this IResourceBuilder<ProjectResource> builder, string section, IResourceBuilder<IResourceWithConnectionString> kafka) =>
        builder.WithEnvironment($"{section}__Consumer__fetch.wait.max.ms",
            FetchWaitMs(kafka.Resource).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The wait <see cref="WithFetchWait"/> sets. librdkafka's 500 ms on the development broker, which holds a fetch that
    /// follows records for at most 100 ms (its long poll's <c>CatchingUpWaitMs</c>). 100 ms on any other broker: a fetch
    /// of caught-up partitions holds back those whose prefetch was paused until it is answered (the graph sink's own
    /// wait, for the same reason).
    /// </summary>
    public static int FetchWaitMs(IResource kafka) => kafka is DevKafkaResource ? 500 : 100;

    /// <summary>
    /// The fetch wait of the service's readers that follow a topic and seldom pause (alerts, labels, the live feed;
    /// <c>Kafka:IdleFetchWaitMs</c>). Every broker the app host runs or is given answers a fetch as soon as data
    /// arrives, so such a reader with nothing to read asks every 5 s instead of twice a second, at no cost in latency;
    /// a partition moved to it in a rebalance may wait as long behind the fetch already out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithIdleFetchWait(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithEnvironment("Kafka__IdleFetchWaitMs", IdleFetchWaitMs.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The wait <see cref="WithIdleFetchWait"/> sets.</summary>
    public const int IdleFetchWaitMs = 5000;

    /// <summary><see cref="ResourceBuilderExtensions.WithReference{TDestination}(IResourceBuilder{TDestination}, IResourceBuilder{IResourceWithConnectionString}, string?, bool)"/> and WaitFor, when the resource is part of this run.</summary>
    public static IResourceBuilder<T> WithOptionalReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString>? source)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        source is null ? builder : builder.WithReference(source).WaitFor(source);

    /// <summary>
    /// The secret that signs the card holder's links (Notifier) and checks them (web), as a secret parameter:
    /// <c>Parameters:alert-link-secret</c> when configured, else generated once into <c>{data}/alert-link.secret</c>
    /// (the file the services fall back to on their own), so that a message sent in one run still opens in the next.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddAlertLinkSecret(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        const string name = "alert-link-secret";
        var configured = builder.Configuration[$"Parameters:{name}"];
        return builder.AddParameter(name, () => configured is { Length: > 0 } ? configured : LoadOrCreateSecret(Path.Combine(dataDirectory, "alert-link.secret")), secret: true);
    }

    /// <summary>The link secret for a service (<c>FraudDetection__AlertLinkSecret</c>), never written to its log.</summary>
    public static IResourceBuilder<ProjectResource> WithAlertLinkSecret(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<ParameterResource> secret) =>
        builder.WithEnvironment("FraudDetection__AlertLinkSecret", secret);

    // The same file and format as FraudDetection.Core's AlertLinkTokens.LoadOrCreateSecret (the app host does not load Core).
    private static string LoadOrCreateSecret(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(path, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return secret;
    }
}
