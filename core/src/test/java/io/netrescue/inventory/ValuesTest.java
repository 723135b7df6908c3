package io.netrescue.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValuesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web1", "db-01.rack2", "a", "x_y"})
    void acceptsDnsLikeHostNames(String n) {
        assertThat(HostName.check(n)).isEqualTo(n);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Web1", "-web", "web-", "a b", "web/1", "web\n1", "../x"})
    void refusesOtherHostNames(String n) {
        assertThatThrownBy(() -> HostName.check(n)).isInstanceOf(InvalidInputException.class).hasMessageContaining("invalid host name");
    }

    @Test
    void labelsParseKeyEqualsValue() {
        assertThat(Label.parse("rack=r12")).isEqualTo(new Label("rack", "r12"));
        assertThat(Label.parse("empty=")).isEqualTo(new Label("empty", ""));
        assertThatThrownBy(() -> Label.parse("novalue")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Label.parse("k=v w")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void ipLiteralsNeverResolveNames() {
        assertThat(IpAddresses.format(IpAddresses.parse("10.0.0.1"))).isEqualTo("10.0.0.1");
        assertThat(IpAddresses.format(IpAddresses.parse("2001:db8::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThatThrownBy(() -> IpAddresses.parse("localhost")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> IpAddresses.parse("10.0.0.256")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void cidrContainment() {
        Cidr c = Cidr.parse("10.1.0.0/16");
        assertThat(c.contains(IpAddresses.parse("10.1.200.3"))).isTrue();
        assertThat(c.contains(IpAddresses.parse("10.2.0.1"))).isFalse();
        assertThat(c.contains(IpAddresses.parse("::1"))).isFalse();
        assertThat(Cidr.parse("127.0.0.1").contains(IpAddresses.parse("127.0.0.1"))).isTrue();
        assertThat(Cidr.parse("127.0.0.1").contains(IpAddresses.parse("127.0.0.2"))).isFalse();
        assertThat(Cidr.parse("10.0.0.0/9").contains(IpAddresses.parse("10.127.0.1"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/9").contains(IpAddresses.parse("10.128.0.1"))).isFalse();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void cidrPrefixIsAsciiDecimal() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/\uFF11\uFF16")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/\u0661\u0666")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/+16")).isInstanceOf(InvalidInputException.class);
        assertThat(Cidr.parse("10.0.0.0/16").contains(IpAddresses.parse("10.0.255.1"))).isTrue();
    }
}
