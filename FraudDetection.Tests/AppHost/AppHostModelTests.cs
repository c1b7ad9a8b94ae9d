using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FraudDetection.AppHost.Hosting;
using FraudDetection.Training.Schedule;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.Tests.AppHost;

/// <summary>The app host's topology as Program.cs writes it, read from its model without starting anything.</summary>
public sealed class AppHostModelTests : IDisposable
{
    private readonly string _data = TestAppHost.NewDataDirectory();

    public void Dispose() => TestAppHost.DeleteDataDirectory(_data);

    [Fact]
    public async Task The_default_run_has_the_broker_every_service_and_Prometheus_and_no_container()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));

        var names = builder.Resources.Select(r => r.Name).ToList();
        names.Should().Contain(["kafka", .. TestAppHost.Services]);
        if (PrometheusBuilderExtensions.FindExecutable() is not null)
        {
            names.Should().Contain("prometheus");
            builder.Resource("prometheus").Should().BeOfType<PrometheusResource>();
        }
        builder.Resources.OfType<ContainerResource>().Should().BeEmpty("the default run never needs a container engine");
        builder.Resource("kafka").Should().BeOfType<DevKafkaResource>();
        foreach (var service in TestAppHost.Services)
        {
            builder.Resource(service).Should().BeAssignableTo<ProjectResource>();
        }
    }

    [Fact]
    public async Task Start_order_waits_for_the_broker_the_champion_and_Scoring()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));

        builder.Resource("training").WaitsFor().Should().Equal("kafka");
        builder.Resource("scoring").WaitsFor().Should().Equal("kafka", "training");
        builder.Resource("graph").WaitsFor().Should().Equal("kafka");
        builder.Resource("notifier").WaitsFor().Should().Equal("kafka");
        builder.Resource("producer").WaitsFor().Should().Equal("scoring");
        builder.Resource("web").WaitsFor().Should().Equal("kafka");
        foreach (var service in TestAppHost.Services)
        {
            builder.Resource(service).Annotations.OfType<HealthCheckAnnotation>().Should().NotBeEmpty($"{service}'s health is what WaitFor waits on");
        }
    }

    [Fact]
    public async Task Every_service_gets_the_broker_and_the_data_directory_and_the_options_of_the_command_line()
    {
        var replay = Path.Combine(_data, "replay.csv");
        File.Copy(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"), replay);
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.ArgumentsAt("max", _data, "--replay", replay, "--trace-ratio", "0.25"));

        foreach (var service in TestAppHost.Services)
        {
            var environment = await Environment(builder, service);
            environment["ConnectionStrings__kafka"].Should().Be("{kafka.connectionString}", $"{service} reads the broker the app host runs");
            environment["FraudDetection__DataDirectory"].Should().Be(_data, $"{service} keeps its state under the run's data directory");
            environment["OTEL_TRACES_SAMPLER"].Should().Be("parentbased_traceidratio", $"{service} traces a transaction end to end or not at all");
            environment["OTEL_TRACES_SAMPLER_ARG"].Should().Be("0.25", $"{service} samples the share --trace-ratio gives");
            environment["OTEL_METRIC_EXPORT_INTERVAL"].Should().Be("15000", $"{service} exports metrics as often as Prometheus scrapes them, not every second");
            environment["Kafka__IdleFetchWaitMs"].Should().Be("5000", $"{service}'s readers of alerts, labels and the live feed ask every 5 s when idle, not twice a second");
        }
        (await Environment(builder, "scoring"))["Scoring__Consumer__fetch.wait.max.ms"].Should().Be("500",
            "the development broker answers a fetch when data arrives, so an idle Scoring need not ask every 10 ms");
        (await Environment(builder, "graph"))["Graph__Consumer__fetch.wait.max.ms"].Should().Be("500",
            "nor an idle graph sink every 100 ms: after records the broker holds a fetch at most 100 ms");
        var producer = await Environment(builder, "producer");
        producer["Producer__File"].Should().Be(replay);
        producer["Producer__History"].Should().BeEmpty("a file of one's own has no bundled history ahead of it");
        producer["Producer__Rate"].Should().Be("10000000", "'max' is a rate no machine reaches");
        producer["Producer__Loop"].Should().Be("true");
        producer["Producer__ResumeReplay"].Should().Be("true");
        var training = await Environment(builder, "training");
        training["Training__DataFiles__0"].Should().Be(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"), "the starter model learns from the labelled sample");
        // The app host cannot reference Training's assembly (Aspire project references are metadata only): the recipe is restated there.
        training["Training__Starter__Trees"].Should().Be(StarterModelRecipe.Parameters.Trees.ToString(CultureInfo.InvariantCulture));
        training["Training__Starter__LearningRate"].Should().Be(StarterModelRecipe.Parameters.LearningRate.ToString(CultureInfo.InvariantCulture));
        training["Training__Starter__ShapRows"].Should().Be(StarterModelRecipe.ShapRows.ToString(CultureInfo.InvariantCulture));
        training["Training__Starter__ValidationDays"].Should().Be(StarterModelRecipe.ValidationDays.ToString(CultureInfo.InvariantCulture));
        training.Keys.Should().Contain("services__scoring__http__0", "Training reads Scoring's drift to retrain on it");
        var web = await Environment(builder, "web");
        web.Keys.Should().Contain(["services__producer__http__0", "services__scoring__http__0", "services__graph__http__0", "services__notifier__http__0", "services__training__http__0"],
            "the pages read the others through service discovery");
        // The card holder's links: the Notifier signs them and points them at web's answer page; web checks them.
        var notifier = await Environment(builder, "notifier");
        notifier["Notifier__LinkBaseUrl"].Should().Be("{web.bindings.http.url}/alerts");
        notifier["FraudDetection__AlertLinkSecret"].Should().Be("{alert-link-secret.value}", "a secret parameter, never a literal in the model");
        web["FraudDetection__AlertLinkSecret"].Should().Be("{alert-link-secret.value}", "the Notifier and web share one secret");
    }

    [Fact]
    public async Task Every_project_starts_as_its_built_program_in_its_folder_without_a_dotnet_run_launcher()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));

        foreach (var name in (string[])["kafka", .. TestAppHost.Services])
        {
            var project = ((ProjectResource)builder.Resource(name)).GetProjectMetadata().ProjectPath;
            var folder = Path.GetDirectoryName(project)!;
            var executable = builder.Resource(name).Annotations.OfType<ExecutableAnnotation>().Should()
                .ContainSingle($"{name} starts as a program, not as dotnet run --project").Subject;
            executable.Command.Should().Be(Path.Combine(folder, "bin", BuiltExecutable.Configuration, "net10.0", Path.GetFileNameWithoutExtension(project)),
                $"{name} is the program the app host's build wrote, in the app host's configuration");
            File.Exists(executable.Command).Should().BeTrue($"{name}'s program is built with the app host");
            executable.WorkingDirectory.Should().Be(folder, $"{name} runs in its project folder, where dotnet run ran it");
            var root = (await Environment(builder, name))["DOTNET_ROOT"];
            File.Exists(Path.Combine(root, "dotnet")).Should().BeTrue($"{name}'s launcher finds the .NET the app host runs on");
        }
    }

    [Theory]
    [InlineData("DOTNET_WATCH", "1")]
    [InlineData("DOTNET_WATCH", "true")]
    [InlineData("DEBUG_SESSION_PORT", "localhost:5000")]
    [InlineData(null, null)]
    public void Dotnet_watch_and_an_IDE_debug_session_keep_Aspires_own_launch(string? key, string? value)
    {
        var builder = DistributedApplication.CreateBuilder();
        if (key is not null)
        {
            builder.Configuration[key] = value;
        }
        var graph = builder.AddProject("graph", Path.Combine(RepoPaths.Root, "FraudDetection.Graph", "FraudDetection.Graph.csproj")).WithBuiltExecutable();

        graph.Resource.Annotations.OfType<ExecutableAnnotation>().Should().HaveCount(key is null ? 1 : 0,
            key is null ? "a plain run starts the built program" : $"{key}={value} launches the project its own way");
    }

    [Fact]
    public void A_project_without_a_built_program_where_the_build_puts_it_is_left_to_dotnet_run()
    {
        var project = Path.Combine(_data, "Service", "Service.csproj");
        Directory.CreateDirectory(Path.Combine(_data, "Service", "bin", "Release", "net10.0"));
        File.WriteAllText(project, "<Project />");

        BuiltExecutable.Find(project, "Release", "net10.0").Should().BeNull("nothing is built there yet");
        File.WriteAllText(Path.Combine(_data, "Service", "bin", "Release", "net10.0", "Service.dll"), "");
        BuiltExecutable.Find(project, "Release", "net10.0").Should().BeNull("an assembly without its launcher is dotnet run's to start");
        var launcher = Path.Combine(_data, "Service", "bin", "Release", "net10.0", "Service");
        File.WriteAllText(launcher, "");
        BuiltExecutable.Find(project, "Release", "net10.0").Should().Be(launcher);
        BuiltExecutable.Find(project, "Debug", "net10.0").Should().BeNull("another configuration's output is not this run's");
        BuiltExecutable.FolderOf(".NETCoreApp,Version=v10.0").Should().Be("net10.0");
    }

    [Fact]
    public async Task The_default_replay_is_the_bundled_weeks_after_the_sample_with_the_sample_sent_ahead_as_history()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));

        var producer = await Environment(builder, "producer");
        producer["Producer__File"].Should().Be(Path.Combine(RepoPaths.Root, "data", "replay.csv.gz"));
        producer["Producer__History"].Should().Be(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"));
        producer["OTEL_TRACES_SAMPLER_ARG"].Should().Be("0.02", "a fiftieth of the transactions are traced by default (every alert besides)");
    }

    [Fact]
    public async Task The_fixed_ports_of_the_default_run_are_the_documented_ones()
    {
        await using var builder = await TestAppHost.CreateAsync(["--data-dir", _data, "--DcpPublisher:RandomizePorts=true"]);

        var ports = new Dictionary<string, int> { ["web"] = 5100, ["producer"] = 5101, ["scoring"] = 5102, ["graph"] = 5103, ["notifier"] = 5104, ["training"] = 5105 };
        foreach (var (service, port) in ports)
        {
            ((IResourceWithEndpoints)builder.Resource(service)).GetEndpoint("http").EndpointAnnotation.Port.Should().Be(port, service);
        }
        ((DevKafkaResource)builder.Resource("kafka")).Broker.EndpointAnnotation.Port.Should().Be(9092);
        if (builder.Resources.FirstOrDefault(r => r.Name == "prometheus") is PrometheusResource prometheus)
        {
            prometheus.GetEndpoint("http").EndpointAnnotation.Port.Should().Be(9090);
        }
    }

    [Theory]
    [InlineData(false, null, null, false, "podman")]
    [InlineData(true, null, null, false, null)]
    [InlineData(false, "docker", null, false, null)]
    [InlineData(false, null, "docker", false, null)]
    [InlineData(false, null, null, true, null)]
    public void DCP_is_pointed_at_an_absent_runtime_only_when_nothing_needs_one(
        bool containers, string? configured, string? configuredWithPrefix, bool standInInstalled, string? expected)
    {
        var settings = new Dictionary<string, string?>
        {
            [ContainerRuntimeProbe.RuntimeSetting] = configured,
            ["DOTNET_" + ContainerRuntimeProbe.RuntimeSetting] = configuredWithPrefix,
        };

        ContainerRuntimeProbe.RuntimeFor(containers, key => settings.GetValueOrDefault(key), _ => standInInstalled).Should().Be(expected);
    }

    [Fact]
    public void A_command_is_found_in_the_first_PATH_directory_that_holds_it()
    {
        ExecutableSearch.OnPath("sh").Should().NotBeNull().And.EndWith("/sh");
        ExecutableSearch.OnPath("fraud-detection-no-such-command").Should().BeNull();
    }

    [Fact]
    public async Task The_default_run_keeps_DCP_from_running_a_container_CLI()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));
        var podmanInstalled = ExecutableSearch.OnPath("podman") is not null;

        builder.Configuration[ContainerRuntimeProbe.RuntimeSetting].Should().Be(podmanInstalled ? null : "podman",
            "DCP probes its runtime every 5 s by running its CLI, and the default run has no container");
    }

    [Fact]
    public async Task The_dashboard_reads_the_bundled_settings_that_bound_its_metric_store()
    {
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));

        var path = builder.Configuration[DashboardSettings.ConfigFileSetting];
        path.Should().NotBeNull("Aspire passes every ASPIRE_DASHBOARD_ setting to the dashboard");
        var limits = new ConfigurationBuilder().AddJsonFile(path!).Build().GetSection("Dashboard:TelemetryLimits");
        limits.GetValue<int?>("MaxMetricsCount").Should().BeInRange(1, 5_000,
            "the dashboard's default keeps 50,000 points of every series: it grew by hundreds of megabytes an hour");
    }

    [Theory]
    [InlineData(DashboardSettings.ConfigFileSetting)]
    [InlineData(DashboardSettings.LegacyConfigFileSetting)]
    public void A_dashboard_settings_file_of_the_users_own_is_kept(string configuredKey)
    {
        var folder = Directory.CreateTempSubdirectory("fd-dashboard-settings").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, DashboardSettings.FileName), "{}");

            DashboardSettings.FileFor(key => key == configuredKey ? "/home/user/mine.json" : null, folder).Should().BeNull();
            DashboardSettings.FileFor(_ => null, folder).Should().Be(Path.Combine(folder, DashboardSettings.FileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_the_bundled_file_the_dashboard_keeps_its_own_defaults()
    {
        var folder = Directory.CreateTempSubdirectory("fd-dashboard-settings").FullName;
        try
        {
            DashboardSettings.FileFor(_ => null, folder).Should().BeNull("there is no file to point the dashboard at");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Containers_mode_adds_typed_containers_with_health_checks_and_connection_strings()
    {
        var runtime = FakeContainerRuntime.Answering(_data);
        await using var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data, "--containers", "--ASPIRE_CONTAINER_RUNTIME", runtime));

        builder.Configuration[ContainerRuntimeProbe.RuntimeSetting].Should().Be(runtime, "the runtime the containers need is left as configured");

        builder.Resource("kafka").Should().BeOfType<KafkaServerResource>();
        builder.Resource("neo4j").Should().BeOfType<Neo4jResource>();
        builder.Resource("mlflow").Should().BeOfType<MlflowResource>();
        builder.Resource("prometheus").Should().BeOfType<PrometheusContainerResource>();
        builder.Resource("grafana").Should().BeOfType<GrafanaResource>();
        foreach (var container in builder.Resources.OfType<ContainerResource>())
        {
            container.Annotations.OfType<HealthCheckAnnotation>().Should().NotBeEmpty($"{container.Name} is waited for only once healthy");
            var image = container.Annotations.OfType<ContainerImageAnnotation>().Single();
            image.Tag.Should().NotBeNullOrEmpty().And.NotBe("latest", "images are pinned");
        }
        builder.Resource("graph").WaitsFor().Should().Contain(["kafka", "neo4j"]);
        builder.Resource("scoring").WaitsFor().Should().Contain(["kafka", "mlflow", "training"]);
        builder.Resource("grafana").WaitsFor().Should().Contain(["prometheus", "neo4j"]);
        (await Environment(builder, "graph")).Keys.Should().Contain("ConnectionStrings__neo4j");
        (await Environment(builder, "scoring"))["Scoring__Consumer__fetch.wait.max.ms"].Should().Be("100",
            "Kafka holds a fetch of caught-up partitions for its whole wait, while those paused behind it wait too");
        (await Environment(builder, "training")).Keys.Should().Contain("ConnectionStrings__mlflow");
        var grafana = (GrafanaResource)builder.Resource("grafana");
        grafana.Annotations.OfType<ContainerMountAnnotation>().Select(m => m.Target).Should().Contain(["/etc/grafana/provisioning", "/var/lib/grafana/dashboards"]);
        grafana.Annotations.OfType<ContainerMountAnnotation>().Should().OnlyContain(m => Directory.Exists(m.Source!), "provisioned from deploy/grafana");
    }

    [Fact]
    public void The_generated_scrape_configuration_names_every_service_and_promtool_accepts_it()
    {
        var file = Path.Combine(_data, "prometheus.yml");
        File.WriteAllText(file, PrometheusBuilderExtensions.ScrapeConfig(TestAppHost.Services.Select((s, i) => (s, $"127.0.0.1:{5100 + i}"))));

        var text = File.ReadAllText(file);
        foreach (var service in TestAppHost.Services)
        {
            text.Should().Contain($"job_name: {service}");
        }
        var promtool = Path.Combine(Path.GetDirectoryName(PrometheusBuilderExtensions.DefaultExecutable)!, "promtool");
        using var check = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(promtool, ["check", "config", file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = check.StandardOutput.ReadToEnd() + check.StandardError.ReadToEnd();
        check.WaitForExit();
        check.ExitCode.Should().Be(0, output);
    }

    /// <summary>A resource's environment, values as publish mode writes them (references left as expressions).</summary>
    internal static async Task<Dictionary<string, string>> Environment(IDistributedApplicationTestingBuilder builder, string name)
    {
        var result = await ExecutionConfigurationBuilder.Create(builder.Resource(name))
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        result.Exception.Should().BeNull();
        return result.EnvironmentVariables.ToDictionary(e => e.Key, e => e.Value);
    }
}
