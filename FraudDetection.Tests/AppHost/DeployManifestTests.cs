using FraudDetection.AppHost.Containers;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace FraudDetection.Tests.AppHost;

/// <summary>deploy/compose.yaml and deploy/k8s name every service and give it the environment keys the AppHost sets.</summary>
public sealed class DeployManifestTests
{
    private static readonly string[] Services = ["producer", "scoring", "notifier", "training"];
    private static readonly string[] Infrastructure = ["kafka", "neo4j", "mlflow", "prometheus", "grafana", "aspire-dashboard"];

    private static string Deploy(string relative) => Path.Combine(AppHostPaths.Root, "deploy", relative);

    [Fact]
    public void Compose_names_every_service_and_the_AppHost_environment_keys()
    {
        var compose = Load(Deploy("compose.yaml")).Single();
        var services = Map(compose["services"]);

        services.Keys.Should().Contain(Services).And.Contain(Infrastructure);
        foreach (var name in Services)
        {
            var service = Map(services[name]);
            ((string)service["image"]).Should().Be($"frauddetection-{name}:latest", "images come from dotnet publish /t:PublishContainer");
            var environment = Map(service["environment"]);
            environment.Keys.Should().Contain(ContainerTopology.ServiceEnvironmentKeys, $"compose gives {name} what the AppHost gives it");
            ((string)environment["OTEL_SERVICE_NAME"]).Should().Be(name);
        }
        Map(Map(services["producer"])["environment"]).Keys.Should().Contain(["Producer__File", "Producer__Rate", "Producer__Loop"]);
    }

    [Fact]
    public void Compose_uses_the_same_images_as_containers_mode_except_Kafka()
    {
        var services = Map(Load(Deploy("compose.yaml")).Single()["services"]);
        var topology = ContainerTopology.Create(new(), "/sample.csv.gz").Where(r => r.Type == ResourceType.Container && r.Name != "kafka");

        foreach (var resource in topology)
        {
            ((string)Map(services[resource.Name])["image"]).Should().Be(resource.Image, $"{resource.Name} runs the same image both ways");
        }
    }

    [Fact]
    public void Kubernetes_has_a_deployment_and_service_per_service_with_the_AppHost_environment_keys_and_an_HPA_on_scoring()
    {
        var documents = Directory.GetFiles(Deploy("k8s"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(Load)
            .ToList();
        Dictionary<object, object> Find(string kind, string name) =>
            documents.Single(d => (string)d["kind"] == kind && (string)Map(d["metadata"])["name"] == name);

        foreach (var name in Services.Concat(Infrastructure))
        {
            Find("Deployment", name).Should().NotBeNull();
            Find("Service", name).Should().NotBeNull();
        }

        foreach (var name in Services)
        {
            var container = Map(List(Map(Map(Map(Find("Deployment", name)["spec"])["template"])["spec"])["containers"]).Single());
            ((string)container["image"]).Should().Be($"frauddetection-{name}:latest");
            var keys = new HashSet<string>(List(container.GetValueOrDefault("env") ?? new List<object>()).Select(e => (string)Map(e)["name"]));
            foreach (var source in List(container.GetValueOrDefault("envFrom") ?? new List<object>()).Select(Map))
            {
                if (source.TryGetValue("configMapRef", out var cm))
                {
                    keys.UnionWith(Map(Find("ConfigMap", (string)Map(cm)["name"])["data"]).Keys.Cast<string>());
                }
                if (source.TryGetValue("secretRef", out var secret))
                {
                    keys.UnionWith(Map(Find("Secret", (string)Map(secret)["name"])["stringData"]).Keys.Cast<string>());
                }
            }
            keys.Should().Contain(ContainerTopology.ServiceEnvironmentKeys, $"k8s gives {name} what the AppHost gives it");
        }

        var hpa = documents.Single(d => (string)d["kind"] == "HorizontalPodAutoscaler");
        var target = Map(Map(hpa["spec"])["scaleTargetRef"]);
        ((string)target["kind"]).Should().Be("Deployment");
        ((string)target["name"]).Should().Be("scoring");
        int.Parse((string)Map(hpa["spec"])["maxReplicas"]).Should().BeGreaterThan(int.Parse((string)Map(hpa["spec"])["minReplicas"]));

        var kustomization = Load(Deploy("k8s/kustomization.yaml")).Single();
        List(kustomization["resources"]).Cast<string>().Should().BeEquivalentTo(
            Directory.GetFiles(Deploy("k8s"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml"));
    }

    [Fact]
    public void Service_projects_name_their_container_images()
    {
        foreach (var name in Services)
        {
            var project = $"FraudDetection.{char.ToUpperInvariant(name[0])}{name[1..]}";
            File.ReadAllText(Path.Combine(AppHostPaths.Root, project, project + ".csproj"))
                .Should().Contain($"<ContainerRepository>frauddetection-{name}</ContainerRepository>");
        }
    }

    private static List<Dictionary<object, object>> Load(string path)
    {
        using var reader = File.OpenText(path);
        // MergingParser resolves compose's "<<: *anchor" merge keys.
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Dictionary<object, object>>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }
        return documents;
    }

    private static Dictionary<object, object> Map(object node) => (Dictionary<object, object>)node;

    private static List<object> List(object node) => (List<object>)node;
}
