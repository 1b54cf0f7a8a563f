"""Who is in the synthetic registry: the industry mix and where firms and officers sit.

Industries are GB/T 4754-2017 divisions with their weights.

Shares are a modelling assumption shaped like a provincial enterprise register (trade and
business services dominate, manufacturing around a sixth, with Jiangxi's non-ferrous metals,
ceramics and pharmaceuticals present); they are not official statistics. The shifts move the
latent risk score, the complaint rate (consumer-facing trades draw more complaints) and the
penalty rate; `high_risk` is the chance of holding a key-field licence (food production,
drugs and medical devices, hazardous chemicals, special equipment, industrial products).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jianguan.divisions import Division, jiangxi_districts


@dataclass(frozen=True, slots=True)
class Industry:
    code: str  # GB/T 4754-2017 division: section letter + 2 digits
    share: float  # relative weight among enterprises
    words: tuple[str, ...]  # business words that go into a registered name
    risk: float = 0.0  # shift of the latent risk score (standard-normal units)
    complaints: float = 0.0  # log-rate shift of substantiated complaints
    penalties: float = 0.0  # log-rate shift of administrative penalties
    high_risk: float = 0.0  # probability of a key-field licence


INDUSTRIES: tuple[Industry, ...] = (
    Industry("A01", 0.030, ("农业开发", "生态农业", "果业", "种植"), complaints=-0.6),
    Industry("A03", 0.015, ("养殖", "畜牧", "生猪养殖"), 0.1, -0.6, 0.1),
    Industry("A05", 0.008, ("农业服务", "农机服务"), complaints=-0.6),
    Industry("B10", 0.003, ("矿业", "石材"), 0.2, -0.8, 0.3, 0.1),
    Industry("C13", 0.010, ("粮油", "米业", "饲料"), 0.2, -0.4, 0.2, 0.6),
    Industry("C14", 0.006, ("食品", "调味品", "米粉"), 0.3, -0.2, 0.3, 0.9),
    Industry("C15", 0.005, ("酒业", "茶业", "饮品"), 0.2, -0.3, 0.2, 0.85),
    Industry("C17", 0.004, ("纺织",), complaints=-0.6),
    Industry("C18", 0.010, ("服饰", "服装"), complaints=-0.5),
    Industry("C19", 0.003, ("鞋业", "皮具"), complaints=-0.5),
    Industry("C21", 0.004, ("家具",), complaints=-0.3, high_risk=0.05),
    Industry("C26", 0.006, ("化工", "新材料"), 0.2, -0.6, 0.3, 0.7),
    Industry("C27", 0.004, ("药业", "制药", "生物医药"), 0.1, -0.4, 0.2, 0.95),
    Industry("C29", 0.006, ("塑业", "橡胶制品"), complaints=-0.6, high_risk=0.15),
    Industry("C30", 0.010, ("陶瓷", "建材", "水泥制品"), 0.1, -0.6, 0.2, 0.2),
    Industry("C32", 0.004, ("铜业", "稀土", "有色金属"), 0.1, -0.8, 0.2, 0.2),
    Industry("C33", 0.008, ("金属制品", "五金制品"), complaints=-0.6, high_risk=0.15),
    Industry("C34", 0.007, ("机械", "锅炉", "起重机械"), complaints=-0.6, high_risk=0.4),
    Industry("C35", 0.006, ("专用设备", "医疗器械"), complaints=-0.6, high_risk=0.5),
    Industry("C36", 0.002, ("汽车零部件", "汽车"), complaints=-0.5, high_risk=0.2),
    Industry("C38", 0.007, ("电气", "电缆", "电机"), complaints=-0.6, high_risk=0.3),
    Industry("C39", 0.008, ("电子", "光电"), -0.1, -0.6),
    Industry("D44", 0.006, ("新能源", "光伏电力", "热力"), -0.2, -0.3),
    Industry("D45", 0.002, ("燃气", "天然气"), 0.1, 0.2, 0.1, 0.8),
    Industry("E47", 0.030, ("建设", "建筑工程", "建工"), 0.2, 0.0, 0.2, 0.04),
    Industry("E48", 0.020, ("路桥工程", "水利工程", "市政工程"), 0.1),
    Industry("E50", 0.030, ("装饰工程", "建筑装饰", "安装工程"), 0.15, 0.3),
    Industry("F51", 0.120, ("贸易", "商贸", "供应链", "建材", "医药", "农资"), high_risk=0.08),
    Industry(
        "F52", 0.160, ("商贸", "超市", "便利店", "百货", "大药房", "五金"), 0.15, 0.6, 0.2, 0.06
    ),
    Industry("G54", 0.020, ("物流", "运输", "客运"), 0.2, 0.1),
    Industry("G58", 0.008, ("货运代理", "物流"), complaints=-0.2),
    Industry("G59", 0.006, ("仓储", "仓储物流"), complaints=-0.4, high_risk=0.05),
    Industry("H61", 0.012, ("酒店", "宾馆", "酒店管理"), 0.1, 0.4),
    Industry("H62", 0.050, ("餐饮", "餐饮管理", "食府", "酒楼"), 0.35, 0.8, 0.3),
    Industry("I64", 0.010, ("网络", "电子商务", "互联网科技"), complaints=0.3),
    Industry("I65", 0.035, ("信息技术", "软件", "网络科技", "数据科技"), -0.25),
    Industry("K70", 0.030, ("房地产开发", "置业", "房地产经纪"), 0.2, 0.7),
    Industry("L71", 0.012, ("设备租赁", "汽车租赁"), complaints=0.2),
    Industry("L72", 0.100, ("企业管理", "物业管理", "商务咨询", "人力资源", "广告", "劳务")),
    Industry("M73", 0.004, ("新材料研究", "技术研究"), -0.3, -0.5),
    Industry("M74", 0.035, ("工程设计", "检测", "测绘", "工程咨询"), -0.1),
    Industry("M75", 0.060, ("科技", "技术服务", "生物科技", "新能源科技"), -0.2),
    Industry("N77", 0.008, ("环保科技", "环境工程"), complaints=-0.2),
    Industry("O80", 0.025, ("家政服务", "美容美发", "洗涤服务", "摄影"), 0.2, 0.6),
    Industry("O81", 0.015, ("汽车维修", "家电维修", "汽车服务"), 0.1, 0.5),
    Industry("P83", 0.008, ("教育咨询", "培训", "职业技能培训"), 0.2, 0.6),
    Industry("Q84", 0.004, ("医疗管理", "门诊部", "健康管理"), 0.15, 0.4, 0.1, 0.1),
    Industry("R88", 0.012, ("文化传播", "文化艺术")),
    Industry("R89", 0.005, ("体育发展", "健身"), complaints=0.3),
    Industry("R90", 0.006, ("娱乐", "文化娱乐"), 0.3, 0.4),
)

# Sections whose small firms are often 农民专业合作社 (USCC entity type 3 under authority 9).
COOPERATIVE_SECTIONS = ("A",)
COOPERATIVE_SHARE = 0.35

# Relative number of firms by city: about the 2020 census resident population (10k persons),
# with the provincial capital 南昌 doubled for its denser business register. An assumption for
# simulation, not statistics.
CITY_WEIGHTS: dict[str, float] = {
    "3601": 625.0 * 2.0,
    "3602": 162.0,
    "3603": 180.0,
    "3604": 460.0,
    "3605": 120.0,
    "3606": 115.0,
    "3607": 897.0,
    "3608": 447.0,
    "3609": 501.0,
    "3610": 362.0,
    "3611": 649.0,
}
# Within a city, urban districts (市辖区) hold more firms than counties; county-level cities sit
# between (GB/T 2260 classes from the code's last two digits).
KIND_WEIGHTS = {"urban": 2.0, "county": 1.0, "county_city": 1.5}


def district_weights(divisions: Sequence[Division]) -> np.ndarray:
    """Probability that a given firm (or officer) sits in each of `divisions`: its city's weight
    shared among the city's districts by kind, computed over the whole province and then
    renormalised over the selection, so a filter keeps the districts' relative sizes."""
    everything = jiangxi_districts()
    kind_totals: dict[str, float] = {}
    for d in everything:
        kind_totals[d.city_code] = kind_totals.get(d.city_code, 0.0) + KIND_WEIGHTS[d.kind]
    weights = np.array(
        [
            CITY_WEIGHTS[d.city_code] * KIND_WEIGHTS[d.kind] / kind_totals[d.city_code]
            for d in divisions
        ]
    )
    return weights / weights.sum()
