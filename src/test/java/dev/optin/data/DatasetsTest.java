package dev.optin.data;

import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetsTest {
    @TempDir Path dir;

    Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsTheRealSst2DevFile() throws IOException {
        Path dev = Fixtures.require("sst2/dev.tsv");
        assertThat(Tasks.detect(dev)).isEqualTo(Task.SST2);
        List<Example> all = Datasets.read(dev, DataOptions.detect());
        // an independent look at the raw file: every line after the header is "sentence<TAB>label"
        List<String> raw = Files.readAllLines(dev, StandardCharsets.UTF_8);
        assertThat(all).hasSize(raw.size() - 1).hasSize(872);
        for (int i = 0; i < all.size(); i++) {
            String[] parts = raw.get(i + 1).split("\t");
            assertThat(all.get(i).text()).isEqualTo(parts[0]);
            assertThat(all.get(i).label()).isEqualTo(Integer.parseInt(parts[1].trim()));
            assertThat(all.get(i).textPair()).isNull();
        }
        long positives = all.stream().filter(e -> e.label() == 1).count();
        assertThat(positives).isBetween(400L, 472L);   // SST-2 dev is close to balanced
    }

    @Test
    void limitStopsEarlyOnTheLargeTrainFile() {
        Path train = Fixtures.require("sst2/train.tsv");
        try (ExampleReader r = Datasets.open(train, DataOptions.of(Task.SST2).withLimit(5))) {
            List<Example> five = r.readAll();
            assertThat(five).hasSize(5);
            assertThat(five).allSatisfy(e -> assertThat(e.label()).isIn(0, 1));
        }
    }

    @Test
    void aSmallerSampleIsAPrefixOfThePoolWhateverElseIsSampled() throws IOException {
        StringBuilder sb = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < 3000; i++) sb.append("row ").append(i).append('\t').append(i % 2).append('\n');
        Path f = write("pool.tsv", sb.toString());
        List<String> alone = texts(Datasets.prefixOfPool(f, DataOptions.detect(), 128, 2048, 3));
        List<String> besideKwon = texts(Datasets.prefixOfPool(f, DataOptions.detect(), 2048, 2048, 3));
        List<String> besideMore = texts(Datasets.prefixOfPool(f, DataOptions.detect(), 2500, 2048, 3));
        assertThat(alone).hasSize(128).containsExactlyElementsOf(besideKwon.subList(0, 128));
        assertThat(besideMore).hasSize(2500);
        // a reservoir of 128 alone would be another sample: the pool is what makes them agree
        assertThat(texts(Datasets.sample(f, DataOptions.detect(), 128, 3))).isNotEqualTo(alone);
    }

    private static List<String> texts(List<Example> examples) { return examples.stream().map(Example::text).toList(); }

    @Test
    void randomSamplingIsUniformSeededAndReadsTheWholeFile() throws IOException {
        // a label-sorted file: the first N rows would all be negative
        StringBuilder sb = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < 1000; i++) sb.append("row ").append(i).append('\t').append(i < 500 ? 0 : 1).append('\n');
        Path sorted = write("sorted.tsv", sb.toString());
        List<Example> a = Datasets.sample(sorted, DataOptions.detect(), 200, 7);
        assertThat(a).hasSize(200);
        assertThat(a).extracting(Example::text).doesNotHaveDuplicates();
        assertThat(Datasets.sample(sorted, DataOptions.detect(), 200, 7)).extracting(Example::text)
                .containsExactlyElementsOf(a.stream().map(Example::text).toList());
        assertThat(Datasets.sample(sorted, DataOptions.detect(), 200, 8)).extracting(Example::text)
                .isNotEqualTo(a.stream().map(Example::text).toList());
        // hypergeometric: 100 ± 7 positives expected; a prefix (what a method with fewer samples uses) is mixed too
        assertThat(a.stream().filter(e -> e.label() == 1).count()).isBetween(70L, 130L);
        assertThat(a.subList(0, 50).stream().filter(e -> e.label() == 1).count()).isBetween(10L, 40L);
        // a small file comes back whole
        assertThat(Datasets.sample(sorted, DataOptions.detect(), 5000, 7)).hasSize(1000);
        // rows after the reservoir fills are still validated
        Path bad = write("bad.tsv", sb + "broken row without a label column\n");
        assertThatThrownBy(() -> Datasets.sample(bad, DataOptions.detect(), 10, 7))
                .isInstanceOf(DataException.class).hasMessageContaining("bad.tsv").hasMessageContaining("1002");
    }

    @Test
    void glueTasksAsDistributed() throws IOException {
        // headers as in the GLUE files; MRPC's starts with a byte-order mark
        Path mrpc = write("mrpc.tsv", "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"
                + "1\t1355540\t1355592\tHe said \"yes\" .\tHe agreed .\r\n0\t2029631\t2029565\tA b\tC d\r\n");
        assertThat(Tasks.detect(mrpc)).isEqualTo(Task.MRPC);
        List<Example> m = Datasets.read(mrpc, DataOptions.detect());
        assertThat(m).containsExactly(new Example("He said \"yes\" .", "He agreed .", 1, null), new Example("A b", "C d", 0, null));

        Path mnli = write("dev_matched.tsv", "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n"
                + "0\t63735\t63735n\tslate\t( x )\t( y )\t(ROOT x)\t(ROOT y)\tThe new rights are nice enough\tEveryone really likes the newest benefits\tneutral\tentailment\tneutral\tneutral\tneutral\tneutral\n"
                + "1\t1\t1c\tgov\t( a )\t( b )\t(ROOT a)\t(ROOT b)\tA\tB\tcontradiction\tcontradiction\tcontradiction\tcontradiction\tcontradiction\tcontradiction\n");
        assertThat(Tasks.detect(mnli)).isEqualTo(Task.MNLI);
        List<Example> n = Datasets.read(mnli, DataOptions.detect());
        assertThat(n.get(0)).isEqualTo(new Example("The new rights are nice enough", "Everyone really likes the newest benefits", 1, null));
        assertThat(n.get(1).label()).isEqualTo(2);

        Path stsb = write("stsb.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
                + "0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\tA man with a hard hat is dancing.\tA man wearing a hard hat is dancing.\t5.000\n");
        assertThat(Tasks.detect(stsb)).isEqualTo(Task.STSB);
        Example s = Datasets.read(stsb, DataOptions.detect()).get(0);
        assertThat(s.score()).isEqualTo(5.0);
        assertThat(s.label()).isNull();

        Path qnli = write("qnli.tsv", "index\tquestion\tsentence\tlabel\n0\tWhat?\tThis.\tnot_entailment\n");
        assertThat(Tasks.detect(qnli)).isEqualTo(Task.QNLI);
        assertThat(Datasets.read(qnli, DataOptions.detect())).containsExactly(new Example("What?", "This.", 1, null));

        Path rte = write("rte.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tentailment\n");
        assertThat(Tasks.detect(rte)).isEqualTo(Task.RTE);
        assertThat(Datasets.read(rte, DataOptions.detect()).get(0).label()).isEqualTo(0);

        Path qqp = write("qqp.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t15\t16\tHow?\tWhy?\t1\n");
        assertThat(Tasks.detect(qqp)).isEqualTo(Task.QQP);
        assertThat(Datasets.read(qqp, DataOptions.detect())).containsExactly(new Example("How?", "Why?", 1, null));

        // CoLA: no header; source, label, original label, sentence
        Path cola = write("cola.tsv", "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\ngj04\t0\t*\tThe more we study verbs, the crazier they get get.\n");
        assertThat(Tasks.detect(cola)).isEqualTo(Task.COLA);
        assertThat(Datasets.read(cola, DataOptions.detect())).containsExactly(
                new Example("The sailors rode the breeze clear of the rocks.", null, 1, null),
                new Example("The more we study verbs, the crazier they get get.", null, 0, null));
    }

    @Test
    void unlabelledTestFilesGiveUnlabelledExamples() throws IOException {
        Path test = write("test.tsv", "index\tsentence\n0\tuneasy mishmash of styles\n");
        Example e = Datasets.read(test, DataOptions.of(Task.SST2)).get(0);
        assertThat(e.text()).isEqualTo("uneasy mishmash of styles");
        assertThat(e.hasLabel()).isFalse();
    }

    @Test
    void wrongColumnCountNamesFileAndLine() throws IOException {
        Path p = write("bad.tsv", "sentence\tlabel\ngood one\t1\nno label column here\nx\t0\n");
        assertThatThrownBy(() -> Datasets.read(p, DataOptions.detect()))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("bad.tsv:3:").hasMessageContaining("expected 2").hasMessageContaining("found 1");
    }

    @Test
    void invalidLabelNamesFileAndLine() throws IOException {
        Path p = write("labels.tsv", "sentence\tlabel\na\t1\nb\t2\n");
        assertThatThrownBy(() -> Datasets.read(p, DataOptions.detect()))
                .isInstanceOf(DataException.class).hasMessageContaining("labels.tsv:3:").hasMessageContaining("invalid label '2'");
        Path mnli = write("m.jsonl", "{\"premise\":\"a\",\"hypothesis\":\"b\",\"label\":\"maybe\"}\n");
        assertThatThrownBy(() -> Datasets.read(mnli, new DataOptions(Task.MNLI, "premise", "hypothesis", null, 0)))
                .hasMessageContaining("m.jsonl:1:").hasMessageContaining("entailment, neutral, contradiction");
        Path sts = write("s.csv", "sentence1,sentence2,score\na,b,high\n");
        assertThatThrownBy(() -> Datasets.read(sts, DataOptions.of(Task.STSB)))
                .hasMessageContaining("s.csv:2:").hasMessageContaining("invalid score 'high'");
    }

    @Test
    void malformedUtf8NamesFileAndLine() throws IOException {
        Path p = dir.resolve("latin1.tsv");
        byte[] head = "sentence\tlabel\nfine\t1\ncaf".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\t0\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        all[head.length] = (byte) 0xE9;   // 'é' in Latin-1, invalid alone in UTF-8
        System.arraycopy(tail, 0, all, head.length + 1, tail.length);
        Files.write(p, all);
        assertThatThrownBy(() -> Datasets.read(p, DataOptions.detect()))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("latin1.tsv:3:").hasMessageContaining("invalid UTF-8").hasMessageContaining("0xe9").hasMessageContaining("column 4");
    }

    @Test
    void utf8AndBomAreFine() throws IOException {
        Path p = write("u.txt", "\uFEFFcafé crème\n\n  日本語のテキスト  \r\nlast line without newline");
        assertThat(Datasets.texts(p, 0)).containsExactly("café crème", "日本語のテキスト", "last line without newline");
    }

    @Test
    void emptyFilesAreClearErrors() throws IOException {
        Path tsv = write("empty.tsv", "");
        assertThatThrownBy(() -> Datasets.read(tsv, DataOptions.of(Task.SST2))).hasMessageContaining("empty.tsv").hasMessageContaining("empty file");
        assertThatThrownBy(() -> Tasks.detect(tsv)).hasMessageContaining("empty.tsv").hasMessageContaining("empty file");
        Path jsonl = write("empty.jsonl", "\n");
        assertThatThrownBy(() -> Datasets.read(jsonl, DataOptions.of(Task.SST2))).hasMessageContaining("empty.jsonl").hasMessageContaining("empty file");
        assertThat(Datasets.read(write("empty.txt", ""), DataOptions.detect())).isEmpty();
    }

    @Test
    void csvQuotingFollowsRfc4180() throws IOException {
        Path p = write("q.csv", "id,text,label\r\n"
                + "1,\"a, b and c\",1\r\n"
                + "2,\"she said \"\"no\"\"\",0\r\n"
                + "3,\"two\r\nlines\",1\r\n"
                + "4,plain \"inner\" quotes,0\r\n"
                + "5,,1\r\n");
        assertThat(Tasks.detect(p)).isEqualTo(Task.CLASSIFICATION);
        List<Example> e = Datasets.read(p, DataOptions.detect());
        assertThat(e).extracting(Example::text).containsExactly("a, b and c", "she said \"no\"", "two\nlines", "plain \"inner\" quotes", "");
        assertThat(e).extracting(Example::label).containsExactly(1, 0, 1, 0, 1);
    }

    @Test
    void csvErrorsPointAtTheRecord() throws IOException {
        Path open = write("open.csv", "text,label\n\"never closed,1\nx,0\n");
        assertThatThrownBy(() -> Datasets.read(open, DataOptions.detect())).hasMessageContaining("open.csv:2:").hasMessageContaining("unterminated");
        Path after = write("after.csv", "text,label\nok,1\n\"quoted\"junk,1\n");
        assertThatThrownBy(() -> Datasets.read(after, DataOptions.detect())).hasMessageContaining("after.csv:3:").hasMessageContaining("after a closing quote");
        Path count = write("count.csv", "text,label\n\"a,b\",1,extra\n");
        assertThatThrownBy(() -> Datasets.read(count, DataOptions.detect())).hasMessageContaining("count.csv:2:").hasMessageContaining("expected 2");
    }

    @Test
    void namedColumnsInCsvAndJsonl() throws IOException {
        Path csv = write("pairs.csv", "premise,hypothesis,verdict\nA dog runs.,An animal moves.,entailment\n");
        DataOptions o = new DataOptions(Task.RTE, "premise", "hypothesis", "verdict", 0);
        assertThat(Datasets.read(csv, o)).containsExactly(new Example("A dog runs.", "An animal moves.", 0, null));
        assertThatThrownBy(() -> Datasets.read(csv, new DataOptions(Task.RTE, "nope", null, null, 0)))
                .hasMessageContaining("pairs.csv").hasMessageContaining("no column 'nope'").hasMessageContaining("premise, hypothesis, verdict");

        Path jsonl = write("d.jsonl", "{\"sentence\": \"good \\\"film\\\"\", \"label\": 1, \"idx\": 0}\n\n{\"label\": 0, \"sentence\": \"bad\", \"idx\": 1}\n");
        assertThat(Tasks.detect(jsonl)).isEqualTo(Task.CLASSIFICATION);
        assertThat(Datasets.read(jsonl, DataOptions.of(Task.SST2)))
                .containsExactly(new Example("good \"film\"", null, 1, null), new Example("bad", null, 0, null));
        Path broken = write("b.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"text\": \"b\", \"label\": 0\n");
        assertThatThrownBy(() -> Datasets.read(broken, DataOptions.detect())).hasMessageContaining("b.jsonl:2:").hasMessageContaining("invalid JSON");
        Path missing = write("m.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"txt\":\"b\",\"label\":0}\n");
        assertThatThrownBy(() -> Datasets.read(missing, DataOptions.detect())).hasMessageContaining("m.jsonl:2:").hasMessageContaining("missing key 'text'");
    }

    @Test
    void unknownFormatsAndTasksAreRefused() throws IOException {
        Path p = write("data.parquet", "x");
        assertThatThrownBy(() -> Datasets.read(p, DataOptions.detect())).hasMessageContaining("data.parquet").hasMessageContaining("unknown data format");
        assertThatThrownBy(() -> Task.parse("squad")).hasMessageContaining("unknown task 'squad'");
        assertThat(Task.parse("STS-B")).isEqualTo(Task.STSB);
        assertThat(Task.parse("mnli_matched")).isEqualTo(Task.MNLI);
        Path txt = write("t.txt", "a\n");
        assertThatThrownBy(() -> Datasets.read(txt, DataOptions.of(Task.SST2))).hasMessageContaining("t.txt").hasMessageContaining("no labels");
        assertThatThrownBy(() -> Datasets.read(dir.resolve("absent.tsv"), DataOptions.detect())).hasMessageContaining("absent.tsv: no such file");
    }
}
