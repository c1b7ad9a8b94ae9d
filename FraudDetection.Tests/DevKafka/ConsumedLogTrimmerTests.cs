using Microsoft.Extensions.Configuration;
using Confluent.Kafka;
using FraudDetection.DevKafka.Hosting;
using FraudDetection.DevKafka.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.DevKafka;

public class ConsumedLogTrimmerTests
{
    [Fact]
    public async Task Deletes_only_what_every_reader_has_committed_past_less_the_kept_records()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 2, topics: ["t"]);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < 3_000; i++)
            {
                producer.Produce(new TopicPartition("t", 0), new Message<Null, string> { Value = "m" + i });
            }
            for (var i = 0; i < 100; i++)
            {
                producer.Produce(new TopicPartition("t", 1), new Message<Null, string> { Value = "n" + i });
            }
            producer.Flush(TimeSpan.FromSeconds(30)).Should().Be(0);
        }
        Commit(kafka, "fast", new TopicPartitionOffset("t", 0, 2_500), new TopicPartitionOffset("t", 1, 100));
        Commit(kafka, "slow", new TopicPartitionOffset("t", 0, 2_000)); // nothing committed on partition 1

        var options = new DevKafkaOptions { Trim = new() { Readers = { ["t"] = ["fast", "slow"] }, KeepMessages = 500 } };
        using var trimmer = new ConsumedLogTrimmer(new DevKafkaBroker(Options.Create(options), NullLogger<DevKafkaBroker>.Instance),
            Options.Create(options), NullLogger<ConsumedLogTrimmer>.Instance);

        (await trimmer.TrimOnceAsync(kafka, options.Trim)).Should().Be(1_500, "partition 0 up to the slow group's 2,000 less 500 kept");
        (await trimmer.TrimOnceAsync(kafka, options.Trim)).Should().Be(0, "nothing more was read");
        using var reader = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "slow" }).Build();
        reader.QueryWatermarkOffsets(new TopicPartition("t", 0), TimeSpan.FromSeconds(5)).Low.Value.Should().Be(1_500);
        reader.QueryWatermarkOffsets(new TopicPartition("t", 1), TimeSpan.FromSeconds(5)).Low.Value.Should().Be(0, "a group with no committed offset there holds everything");

        // The slow group still reads everything after its committed offset.
        reader.Assign(new TopicPartitionOffset("t", 0, 2_000));
        var first = reader.Consume(TimeSpan.FromSeconds(10));
        first.Should().NotBeNull();
        first!.Offset.Value.Should().Be(2_000);
        first.Message.Value.Should().Be("m2000");
    }

    [Fact]
    public void The_broker_trims_the_systems_own_topics_for_the_groups_that_read_them()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(FraudDetection.Tests.Scoring.ScoringModels.RepositoryRoot(), "FraudDetection.DevKafka", "appsettings.json"))
            .Build();
        var trim = new DevKafkaOptions();
        configuration.GetSection(DevKafkaOptions.SectionName).Bind(trim);

        trim.Trim.Readers.Should().BeEquivalentTo(new Dictionary<string, string[]>
        {
            [FraudDetection.Core.Messaging.Topics.Transactions] = [new FraudDetection.Scoring.Options.ScoringOptions().ConsumerGroup],
            [FraudDetection.Core.Messaging.Topics.Scored] = [new FraudDetection.Graph.Store.GraphOptions().GroupId],
            [FraudDetection.Core.Messaging.Topics.Alerts] = [FraudDetection.Notifier.Kafka.AlertConsumerWorker.GroupId, FraudDetection.Web.Alerts.AlertArchive.GroupId],
        }, "every group that must read a record before it goes, by the names the services use");
    }

    [Theory]
    [InlineData("DevKafka:Trim:KeepMessages", "-1", "KeepMessages must be 0 or more")]
    [InlineData("DevKafka:Trim:Interval", "00:00:00", "Interval must be more than zero")]
    public void Trim_settings_that_would_delete_unread_records_or_spin_are_refused(string key, string value, string message)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        FraudDetection.DevKafka.Extensions.DevKafkaServiceExtensions.AddDevKafka(builder);
        using var host = builder.Build();

        var read = () => host.Services.GetRequiredService<IOptions<DevKafkaOptions>>().Value;
        read.Should().Throw<OptionsValidationException>().WithMessage($"*{message}*");
    }

    private static void Commit(EmbeddedKafka kafka, string group, params TopicPartitionOffset[] offsets)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = group }).Build();
        consumer.Commit(offsets);
    }
}
