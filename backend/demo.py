"""The synthetic demo bank: `flask demo load`.

Every customer gets a hidden truth drawn from their traits: a propensity per product, a
yearly attrition hazard (and, for some, the day they leave), a default probability and a
preferred contact channel and hour. Holdings, transactions, overdue days, statuses and
the RMs' contact history are simulated FROM that truth, and the truth is written to a CSV
so that scoring models can be checked against it.

Invariant: every account's balance equals the sum of all its transactions. An account
opened before the simulated window carries one "balance brought forward" transaction
(kind transfer, channel system) one second before the window starts, so the month-end
series the 360 card derives backwards from today's balance is exact, and deposit and
credit balances never go below zero.

Generation is vectorised with numpy, one batch of customers at a time (a fixed batch size,
so a seed gives the same bank whatever the size), and written with Core bulk inserts.

On top of the contacts, the bank gets a history of app use over the last HISTORY_DAYS, so
that reports have months to show: the plan entries behind the contacts (done, and some
missed or dismissed), an offer funnel, satisfaction surveys and referrals. Each missed
entry is followed by the contact made later, so the planner carries none of them today.
"""

import csv
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import numpy as np
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Date, bindparam, cast, func, insert, select, text, update
from tqdm import tqdm

from backend import texts
from backend.auth import service as auth_service
from backend.auth.models import Team, User
from backend.calendar.models import PlanEntry
from backend.calendar.planner import MAX_REASONS
from backend.customers.models import (
    CHANNELS,
    TRANSACTION_KINDS,
    Account,
    ContactPolicy,
    Customer,
    RelatedParty,
    Transaction,
)
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments import detectors
from backend.moments.models import KeyMoment
from backend.offers.models import Offer
from backend.offers.ranking import value_if_sold
from backend.products import catalog
from backend.products.models import Package, Product
from backend.referrals.models import Referral
from backend.timeutil import bank_day_sql, start_of_bank_day
from backend.visits import surveys
from backend.visits.models import Interaction, Survey
from backend.workdays import BUSINESS_DAY_MINUTES, WorkCalendar, add_business_minutes

PASSWORD = "demo1234"
BATCH = 250  # customers simulated together; fixed so that a seed means one bank
CHUNK = 20_000  # rows per bulk insert
DAY = 86_400
BIG = 10**9  # "never", in days: still safe to multiply by DAY in int64

KIND = {k: i for i, k in enumerate(TRANSACTION_KINDS)}
CHAN = {c: i for i, c in enumerate(CHANNELS)}

# --------------------------------------------------------------------------- word lists

# (zh, en, latitude, longitude, weight)
CITIES = (
    ("杭州", "Hangzhou", 30.27, 120.16, 9), ("宁波", "Ningbo", 29.87, 121.55, 6),
    ("温州", "Wenzhou", 28.00, 120.67, 5), ("绍兴", "Shaoxing", 30.00, 120.58, 4),
    ("嘉兴", "Jiaxing", 30.75, 120.76, 3), ("金华", "Jinhua", 29.08, 119.65, 3),
    ("台州", "Taizhou", 28.66, 121.42, 3), ("湖州", "Huzhou", 30.89, 120.09, 2),
    ("上海", "Shanghai", 31.23, 121.47, 8), ("苏州", "Suzhou", 31.30, 120.59, 6),
    ("南京", "Nanjing", 32.06, 118.80, 5), ("无锡", "Wuxi", 31.49, 120.31, 4),
    ("常州", "Changzhou", 31.81, 119.97, 3), ("合肥", "Hefei", 31.82, 117.23, 3),
    ("广州", "Guangzhou", 23.13, 113.26, 6), ("深圳", "Shenzhen", 22.54, 114.06, 6),
    ("东莞", "Dongguan", 23.02, 113.75, 4), ("佛山", "Foshan", 23.02, 113.12, 4),
    ("厦门", "Xiamen", 24.48, 118.09, 3), ("福州", "Fuzhou", 26.07, 119.30, 3),
    ("成都", "Chengdu", 30.57, 104.07, 5), ("重庆", "Chongqing", 29.56, 106.55, 4),
    ("武汉", "Wuhan", 30.59, 114.31, 4), ("长沙", "Changsha", 28.23, 112.94, 3),
    ("郑州", "Zhengzhou", 34.75, 113.63, 3), ("济南", "Jinan", 36.65, 117.12, 3),
    ("青岛", "Qingdao", 36.07, 120.38, 3), ("西安", "Xi'an", 34.34, 108.94, 3),
    ("天津", "Tianjin", 39.34, 117.36, 3), ("北京", "Beijing", 39.90, 116.41, 5),
)

# Traits per industry: weight, extra default risk (logit), revenue per employee, consumer-facing
# (weekend trade, card payments), affinity to POS / payroll / credit, cash share, name words.
INDUSTRIES = {
    "retail": dict(w=17, risk=0.2, rpe=6e5, consumer=1, pos=2.0, pay=-0.6, credit=0.0,
                   cash=0.35, growth=0.00, words=(("五金", "Hardware"),
                   ("百货", "Department Store"), ("超市", "Supermarket"), ("服饰", "Apparel"),
                   ("母婴用品", "Baby Products"), ("家电", "Home Appliances"),
                   ("文具", "Stationery"))),
    "catering": dict(w=10, risk=0.5, rpe=3e5, consumer=1, pos=2.4, pay=0.0, credit=-0.2,
                     cash=0.30, growth=0.02, words=(("餐饮管理", "Catering Management"),
                     ("酒楼", "Restaurant"), ("食品", "Food"), ("茶饮", "Tea House"),
                     ("烘焙", "Bakery"))),
    "manufacturing": dict(w=15, risk=0.1, rpe=8e5, consumer=0, pos=-2.0, pay=1.2, credit=0.8,
                          cash=0.05, growth=0.01, words=(("机械", "Machinery"),
                          ("电子", "Electronics"), ("塑胶制品", "Plastic Products"),
                          ("纺织", "Textiles"), ("五金制品", "Metal Products"),
                          ("包装材料", "Packaging Materials"), ("家具", "Furniture"))),
    "trading": dict(w=14, risk=0.2, rpe=1.5e6, consumer=0, pos=-1.0, pay=-0.2, credit=0.7,
                    cash=0.10, growth=0.00, words=(("贸易", "Trading"),
                    ("进出口", "Import & Export"), ("商贸", "Commerce"), ("实业", "Industrial"))),
    "logistics": dict(w=7, risk=0.2, rpe=7e5, consumer=0, pos=-1.5, pay=1.0, credit=0.5,
                      cash=0.10, growth=0.03, words=(("物流", "Logistics"), ("货运", "Freight"),
                      ("供应链管理", "Supply Chain Management"))),
    "construction": dict(w=8, risk=0.6, rpe=9e5, consumer=0, pos=-2.0, pay=1.0, credit=0.9,
                         cash=0.10, growth=-0.04, words=(("建筑工程", "Construction Engineering"),
                         ("装饰工程", "Decoration Engineering"), ("建材", "Building Materials"))),
    "services": dict(w=10, risk=0.0, rpe=4e5, consumer=1, pos=0.5, pay=0.5, credit=-0.3,
                     cash=0.15, growth=0.03, words=(("咨询", "Consulting"),
                     ("家政服务", "Housekeeping Services"), ("广告", "Advertising"),
                     ("物业管理", "Property Management"), ("教育咨询", "Education Consulting"))),
    "agriculture": dict(w=5, risk=0.4, rpe=4e5, consumer=0, pos=-1.0, pay=-0.3, credit=0.4,
                        cash=0.30, growth=0.01, words=(("农业开发", "Agricultural Development"),
                        ("生态农业", "Eco-Agriculture"), ("水产", "Aquatic Products"),
                        ("茶业", "Tea"))),
    "tech": dict(w=7, risk=0.1, rpe=7e5, consumer=0, pos=-1.0, pay=1.2, credit=0.0, cash=0.02,
                 growth=0.08, words=(("信息技术", "Information Technology"),
                 ("网络科技", "Network Technology"), ("软件", "Software"),
                 ("智能科技", "Smart Technology"))),
    "healthcare": dict(w=4, risk=-0.2, rpe=5e5, consumer=1, pos=1.5, pay=0.5, credit=0.2,
                       cash=0.15, growth=0.04, words=(("医疗器械", "Medical Devices"),
                       ("大药房", "Pharmacy"), ("口腔门诊", "Dental Clinic"))),
    "auto": dict(w=3, risk=0.3, rpe=8e5, consumer=1, pos=1.5, pay=0.3, credit=0.5, cash=0.15,
                 growth=-0.01, words=(("汽车服务", "Auto Services"), ("汽车配件", "Auto Parts"))),
}
IND_KEYS = tuple(INDUSTRIES)
# Whom each industry buys from, for supplier/buyer links between customers.
SUPPLIED_BY = {
    "retail": ("trading", "manufacturing", "agriculture", "logistics"),
    "catering": ("agriculture", "trading", "logistics"),
    "manufacturing": ("manufacturing", "trading", "logistics"),
    "trading": ("manufacturing", "agriculture"),
    "logistics": ("auto", "trading"),
    "construction": ("manufacturing", "trading", "construction", "logistics"),
    "services": ("tech", "services"),
    "agriculture": ("trading", "logistics"),
    "tech": ("tech", "services"),
    "healthcare": ("trading", "manufacturing", "logistics"),
    "auto": ("manufacturing", "trading"),
}

BRANDS = (
    ("恒丰", "Hengfeng"), ("鑫达", "Xinda"), ("宏远", "Hongyuan"), ("金诚", "Jincheng"),
    ("瑞祥", "Ruixiang"), ("华盛", "Huasheng"), ("永安", "Yong'an"), ("德润", "Derun"),
    ("天成", "Tiancheng"), ("嘉禾", "Jiahe"), ("盛泰", "Shengtai"), ("隆兴", "Longxing"),
    ("富源", "Fuyuan"), ("万通", "Wantong"), ("兴旺", "Xingwang"), ("广源", "Guangyuan"),
    ("顺达", "Shunda"), ("聚鑫", "Juxin"), ("和泰", "Hetai"), ("锦程", "Jincheng"),
    ("佳美", "Jiamei"), ("新亚", "Xinya"), ("东升", "Dongsheng"), ("明辉", "Minghui"),
    ("博远", "Boyuan"), ("汇通", "Huitong"), ("昌盛", "Changsheng"), ("祥和", "Xianghe"),
    ("正阳", "Zhengyang"), ("中信达", "Zhongxinda"), ("金鼎", "Jinding"), ("华泰源", "Huataiyuan"),
    ("宝丰", "Baofeng"), ("信诚", "Xincheng"), ("安达", "Anda"), ("创美", "Chuangmei"),
    ("润泽", "Runze"), ("荣昌", "Rongchang"), ("鼎盛", "Dingsheng"), ("福瑞", "Furui"),
    ("联合", "Lianhe"), ("金桥", "Jinqiao"), ("长城", "Changcheng"), ("海纳", "Haina"),
    ("益民", "Yimin"), ("百川", "Baichuan"), ("凯旋", "Kaixuan"), ("远航", "Yuanhang"),
    ("星辰", "Xingchen"), ("振兴", "Zhenxing"), ("宏达", "Hongda"), ("腾飞", "Tengfei"),
    ("新纪元", "Xinjiyuan"), ("旭日", "Xuri"), ("春晖", "Chunhui"), ("丰收", "Fengshou"),
    ("绿源", "Lüyuan"), ("蓝海", "Lanhai"), ("金马", "Jinma"), ("银河", "Yinhe"),
    ("四海", "Sihai"), ("八方", "Bafang"), ("利民", "Limin"), ("诚信", "Chengxin"),
    ("友谊", "Youyi"), ("光明", "Guangming"), ("伟业", "Weiye"), ("卓越", "Zhuoyue"),
    ("精诚", "Jingcheng"), ("永盛", "Yongsheng"), ("大丰", "Dafeng"), ("嘉信", "Jiaxin"),
    ("国泰", "Guotai"), ("康宁", "Kangning"), ("仁和", "Renhe"), ("乐家", "Lejia"),
    ("众鑫", "Zhongxin"), ("天翼", "Tianyi"), ("云帆", "Yunfan"), ("同创", "Tongchuang"),
)
SURNAMES = (
    ("王", "Wang", 7.1), ("李", "Li", 7.0), ("张", "Zhang", 6.7), ("刘", "Liu", 5.4),
    ("陈", "Chen", 4.5), ("杨", "Yang", 3.1), ("黄", "Huang", 2.2), ("赵", "Zhao", 2.0),
    ("吴", "Wu", 2.0), ("周", "Zhou", 1.9), ("徐", "Xu", 1.5), ("孙", "Sun", 1.4),
    ("马", "Ma", 1.3), ("朱", "Zhu", 1.2), ("胡", "Hu", 1.1), ("郭", "Guo", 1.1),
    ("何", "He", 1.0), ("林", "Lin", 0.9), ("罗", "Luo", 0.9), ("高", "Gao", 0.9),
    ("郑", "Zheng", 0.8), ("梁", "Liang", 0.7), ("谢", "Xie", 0.7), ("宋", "Song", 0.6),
    ("唐", "Tang", 0.6), ("许", "Xu", 0.5), ("韩", "Han", 0.5), ("冯", "Feng", 0.5),
    ("邓", "Deng", 0.5), ("曹", "Cao", 0.5), ("彭", "Peng", 0.5), ("曾", "Zeng", 0.4),
    ("肖", "Xiao", 0.4), ("田", "Tian", 0.4), ("董", "Dong", 0.4), ("袁", "Yuan", 0.4),
    ("潘", "Pan", 0.3), ("蒋", "Jiang", 0.3), ("蔡", "Cai", 0.3), ("余", "Yu", 0.3),
    ("杜", "Du", 0.3), ("叶", "Ye", 0.3), ("程", "Cheng", 0.3), ("魏", "Wei", 0.3),
    ("苏", "Su", 0.3), ("吕", "Lyu", 0.3), ("丁", "Ding", 0.3), ("沈", "Shen", 0.3),
)
GIVEN = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"),
    ("强", "Qiang"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"),
    ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("华", "Hua"),
    ("平", "Ping"), ("刚", "Gang"), ("桂英", "Guiying"), ("建华", "Jianhua"),
    ("建国", "Jianguo"), ("志强", "Zhiqiang"), ("海燕", "Haiyan"), ("晓东", "Xiaodong"),
    ("丽娟", "Lijuan"), ("国强", "Guoqiang"), ("文", "Wen"), ("斌", "Bin"), ("红", "Hong"),
    ("建平", "Jianping"), ("宇", "Yu"), ("浩", "Hao"), ("鑫", "Xin"), ("婷", "Ting"),
    ("丹", "Dan"), ("玲", "Ling"), ("俊", "Jun"), ("飞", "Fei"), ("辉", "Hui"), ("鹏", "Peng"),
    ("慧", "Hui"), ("佳", "Jia"), ("思远", "Siyuan"), ("子涵", "Zihan"), ("雪", "Xue"),
    ("琳", "Lin"), ("凯", "Kai"), ("春梅", "Chunmei"), ("永刚", "Yonggang"), ("金龙", "Jinlong"),
    ("晓燕", "Xiaoyan"), ("立新", "Lixin"), ("德明", "Deming"), ("家豪", "Jiahao"),
    ("雨涵", "Yuhan"), ("振华", "Zhenhua"), ("美玲", "Meiling"), ("志明", "Zhiming"),
    ("少华", "Shaohua"),
)
EMAIL_DOMAINS = ("163.com", "qq.com", "126.com", "sina.com", "aliyun.com")
LEAVE_REASONS = ("企业停止经营", "转至他行办理业务", "企业注销", "认为账户费用偏高", "对服务不满意",
                 "企业搬迁外地")

# Calendar: Chinese New Year dates (the dip) for the years a demo may span.
CNY = {2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25),
       2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17),
       2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11),
       2033: (1, 31), 2034: (2, 19), 2035: (2, 8), 2036: (1, 28), 2037: (2, 15), 2038: (2, 4),
       2039: (1, 24), 2040: (2, 12)}

# Products a customer may hold besides the current account, in simulation order.
HELD = ("TD", "MMF", "INST", "WCL", "UCC", "BCARD", "POS", "PAY", "CMS", "CGI", "INS", "FUND")
# Products with a true propensity in the truth file (retail and private ones are the owner's).
PROPENSITY = (*HELD, "RPL", "PWM")
CREDIT = ("INST", "WCL", "UCC", "BCARD")
DEPOSIT_LIKE = ("CUR", "TD", "MMF", "FUND")  # balances that must never go below zero
LINKED = ("CUR", "TD", "MMF")  # counted towards the intermediate and advanced minimums

DESCRIPTIONS = (
    "期初余额结转", "开户存入", "销售回款", "货款收入", "转账收入", "现金存入",
    "手机银行转入", "网银转入", "支付货款", "支付房租", "缴纳税费", "水电燃气费",
    "转账支出", "现金支取", "手机银行付款", "网银付款", "POS收单结算", "收单手续费",
    "代发工资", "社保公积金代缴", "贷款放款", "贷款资金入账", "贷款还本付息",
    "分期贷款还款", "循环贷提款", "归还循环贷", "贷款利息", "商务卡消费",
    "商务卡自动还款", "定期存入", "转存定期", "定期利息", "定期到期转活期",
    "定期到期本息转入", "货币市场账户利息", "转入货币市场账户", "货币市场账户转出",
    "基金申购", "基金赎回", "信用保证保险保费", "财产保险保费", "账户管理费",
    "超额交易手续费", "服务月费", "活期结息", "销户结清", "提前结清贷款", "采购原材料",
    "支付运费", "员工报销",
)
DESC = {d: i for i, d in enumerate(DESCRIPTIONS)}


def _seconds(rng, n, lo_hour: float, hi_hour: float) -> np.ndarray:
    return (rng.uniform(lo_hour, hi_hour, n) * 3600).astype(np.int64)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- calendar


class _Calendar:
    """Days of the window (day 0 = first day of the first month), months, seasonal weights."""

    def __init__(self, today: date, months: int):
        y, m = today.year, today.month - (months - 1)
        while m < 1:
            y, m = y - 1, m + 12
        self.start = date(y, m, 1)
        self.today = today
        self.D = (today - self.start).days  # days before today: transactions end yesterday
        self.M = months
        starts, ends, full = [], [], []
        y, m = self.start.year, self.start.month
        for _ in range(months):
            s = date(y, m, 1)
            y2, m2 = (y + 1, 1) if m == 12 else (y, m + 1)
            e = date(y2, m2, 1)
            starts.append((s - self.start).days)
            full.append((e - s).days)
            ends.append(min((e - self.start).days, self.D))
            y, m = y2, m2
        self.mstart = np.array(starts, dtype=np.int64)
        self.mend = np.array(ends, dtype=np.int64)
        self.mfull = np.array(full, dtype=np.int64)
        self.mdays = np.maximum(self.mend - self.mstart, 0)
        self.mmid = self.mstart + self.mdays // 2
        self.weights = self._weights()
        self.cumw = np.concatenate([np.zeros((2, 1)), np.cumsum(self.weights, axis=1)], axis=1)
        # Expected activity of a month relative to an ordinary 30.44-day month.
        self.season = np.stack([(self.cumw[p, self.mend] - self.cumw[p, self.mstart]) / 30.44
                                for p in (0, 1)])

    def date_of(self, day) -> date:
        return self.start + timedelta(days=int(day))

    def _weights(self) -> np.ndarray:
        """Daily weights of two profiles: 0 business-to-business, 1 consumer-facing."""
        n = max(self.D, 1)
        days = np.arange(n)
        dates = np.datetime64(self.start.isoformat()) + days.astype("timedelta64[D]")
        weekday = (days + self.start.weekday()) % 7
        month = dates.astype("datetime64[M]").astype(int) % 12 + 1
        dom = (dates - dates.astype("datetime64[M]")).astype(int) + 1
        b2b = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.3, 0.15))
        shop = np.where(weekday < 5, 0.9, np.where(weekday == 5, 1.3, 1.2))
        for year, (mo, dd) in CNY.items():
            rel = (dates - np.datetime64(date(year, mo, dd).isoformat())).astype(int)
            holiday = (rel >= -2) & (rel <= 7)
            before = (rel >= -25) & (rel < -2)
            b2b = np.where(holiday, b2b * 0.2, np.where(before, b2b * 1.2, b2b))
            shop = np.where(holiday, shop * 0.5, np.where(before, shop * 1.4, shop))
        year_end = (month == 12) & (dom >= 10)
        golden_week = (month == 10) & (dom <= 7)
        half_year = (month == 6) & (dom >= 20)
        b2b = b2b * np.where(year_end, 1.3, 1.0) * np.where(golden_week, 0.3, 1.0) \
            * np.where(half_year, 1.1, 1.0)
        shop = shop * np.where(year_end, 1.25, 1.0) * np.where(golden_week, 1.3, 1.0)
        w = np.stack([b2b / b2b.mean(), shop / shop.mean()])
        return w[:, : self.D] if self.D else w[:, :0]

    def sample_days(self, rng, month: np.ndarray, profile: np.ndarray) -> np.ndarray:
        """Draw a day inside each given month, following the profile's daily weights."""
        out = np.empty(len(month), dtype=np.int64)
        for p in (0, 1):
            sel = profile == p
            if not sel.any():
                continue
            m = month[sel]
            lo, hi = self.cumw[p, self.mstart[m]], self.cumw[p, self.mend[m]]
            u = lo + rng.random(len(m)) * (hi - lo)
            d = np.searchsorted(self.cumw[p], u, side="right") - 1
            out[sel] = np.clip(d, self.mstart[m], np.maximum(self.mend[m] - 1, self.mstart[m]))
        return out

    def month_of(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.mstart, day, side="right") - 1

    def monthly(self, open_day, end_day, dom):
        """Monthly events on day-of-month dom of each account between its open and end days."""
        day = self.mstart[None, :] + np.minimum(dom[:, None] - 1, self.mfull[None, :] - 1)
        ok = (day > open_day[:, None]) & (day < end_day[:, None]) & (day < self.D)
        a, m = np.nonzero(ok)
        return a, m, day[a, m]


# --------------------------------------------------------------------------- accumulators


class _Rows:
    """Transactions under construction, as parallel numpy arrays."""

    FIELDS = ("acc", "t", "amt", "kind", "chan", "ci", "desc", "stop", "free")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, acc, t, amt, kind: str, chan, ci: bool, desc, stop: bool = False,
            free: bool = False) -> None:
        acc = np.asarray(acc, dtype=np.int64)
        n = len(acc)
        if not n:
            return

        def full(v, dtype):
            v = np.asarray(v)
            return np.full(n, v, dtype=dtype) if v.ndim == 0 else v.astype(dtype)

        chan = CHAN[chan] if isinstance(chan, str) else chan
        desc = DESC[desc] if isinstance(desc, str) else desc
        self.parts.append({"acc": acc, "t": full(t, np.int64), "amt": full(amt, np.float64),
                           "kind": full(KIND[kind], np.int8), "chan": full(chan, np.int8),
                           "ci": full(ci, bool), "desc": full(desc, np.int16),
                           "stop": full(stop, bool), "free": full(free, bool)})

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


def _take(rows: dict, keep: np.ndarray) -> dict:
    return {k: v[keep] for k, v in rows.items()}


def _join(*parts: dict) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


class _Accounts:
    """Accounts of one batch, as parallel lists of numpy arrays."""

    def __init__(self):
        self.parts: list[dict] = []
        self.n = 0

    def add(self, cust, code: str, open_day, mat_day=None, close_day=None, limit=None,
            rate=None, amount=None) -> np.ndarray:
        cust = np.asarray(cust, dtype=np.int64)
        k = len(cust)
        big = BIG

        def arr(v, fill):
            return np.full(k, fill, dtype=np.float64 if isinstance(fill, float) else np.int64) \
                if v is None else np.asarray(v)

        part = {"cust": cust, "code": np.full(k, code, dtype=object),
                "open": np.asarray(open_day, dtype=np.int64),
                "mat": arr(mat_day, big).astype(np.int64),
                "close": arr(close_day, big).astype(np.int64),
                "limit": arr(limit, np.nan).astype(np.float64),
                "rate": arr(rate, np.nan).astype(np.float64),
                "amount": arr(amount, np.nan).astype(np.float64)}
        self.parts.append(part)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    def concat(self) -> dict:
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.parts[0]}


# --------------------------------------------------------------------------- public API


def load(*, customers: int = 1500, months: int = 24, seed: int = 42, rms: int = 5,
         truth_path: str | None = None, today: date | None = None,
         progress: bool = True) -> dict:
    """Load a synthetic demo bank into an empty database and return the row counts."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("The demo bank is never loaded into a production database.")
    existing = db.session.scalar(select(func.count(Customer.id)))
    if existing:
        raise click.ClickException(
            f"The database already holds {existing} customers; the demo bank loads only into "
            "an empty database (point DATABASE_URL at a new one).")
    if customers < 1 or months < 1 or rms < 5:
        raise click.ClickException("Need at least 1 customer, 1 month and 5 RMs.")
    try:
        return _load(customers=customers, months=months, seed=seed, rms=rms,
                     truth_path=truth_path, today=today, progress=progress)
    except BaseException:
        db.session.rollback()  # all or nothing: a half-loaded bank would block --if-empty
        raise


def _load(*, customers, months, seed, rms, truth_path, today, progress) -> dict:
    started = time.perf_counter()
    if today is None:
        today = datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).date()
    truth_path = Path(truth_path or current_app.config["DEMO_TRUTH_PATH"])
    offset = ZoneInfo(current_app.config["BANK_TIMEZONE"]).utcoffset(
        datetime.combine(today, datetime.min.time()))
    cal = _Calendar(today, months)
    rng = np.random.default_rng([seed, 0])

    catalog.seed_catalog()
    products = {p.code: p for p in db.session.scalars(select(Product))}
    packages = {p.tier: p for p in db.session.scalars(select(Package))}
    staff = _create_staff(rng, rms)
    world = _draw_world(rng, customers, cal, staff)

    bar = tqdm(total=customers, unit="customer", desc="demo bank", disable=not progress,
               leave=False)
    state = {"acc_seq": 0, "tx_seq": 0, "transactions": 0, "accounts": 0,
             "customer_ids": np.zeros(customers, dtype=np.int64), "sales": [],
             "credit_holders": np.zeros(customers, dtype=bool)}
    utc_start = np.datetime64(datetime.combine(cal.start, datetime.min.time()) - offset, "s")
    for b, lo in enumerate(range(0, customers, BATCH)):
        idx = np.arange(lo, min(lo + BATCH, customers))
        batch_rng = np.random.default_rng([seed, 1000 + b])
        sim = _simulate(batch_rng, world, idx, cal, packages)
        _write_batch(world, idx, sim, cal, products, staff, utc_start, state)
        bar.update(len(idx))
    bar.close()

    ids = state["customer_ids"]
    parties = _related_parties(np.random.default_rng([seed, 1]), world, ids, state)
    contacts = _interactions(np.random.default_rng([seed, 2]), world, ids, cal, products,
                             staff, offset, state)
    history = _history(np.random.default_rng([seed, 3]), world, ids, cal, products, staff,
                       utc_start, state, contacts)
    _write_truth(truth_path, world, cal)
    db.session.commit()
    # A freshly loaded bank has no planner statistics; without them SQLite picks
    # nested loops for the scoring queries (seconds instead of milliseconds).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"users": len(staff["users"]), "teams": len(staff["teams"]),
            "products": len(products), "packages": len(packages), "customers": customers,
            "accounts": state["accounts"], "transactions": state["transactions"],
            "related_parties": parties, "interactions": len(contacts["c"]), **history,
            "truth_path": str(truth_path), "seconds": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------- staff

CONTRACT_STAFF = (
    # username, role, team, grade, display name, line
    ("rm1", "rm", 0, 3, "张伟", "sme"), ("rm2", "rm", 0, 2, "李娜", "sme"),
    ("rm3", "rm", 0, 5, "王芳", "sme"), ("rm4", "rm", 1, 4, "刘洋", "sme"),
    ("rm5", "rm", 1, 1, "陈静", "sme"), ("lead1", "lead", 0, 5, "赵敏", "sme"),
    ("lead2", "lead", 1, 5, "孙强", "sme"), ("analyst1", "analyst", None, 1, "周婷", "sme"),
    ("referrer1", "referrer", None, 1, "吴刚", "retail"),
    ("admin1", "admin", None, 1, "系统管理员", "sme"),
)


def _team_name(i: int) -> str:
    return f"小微{chr(ord('A') + i)}组" if i < 26 else f"小微{i + 1}组"


def _person_names(rng, n):
    sw = np.array([s[2] for s in SURNAMES])
    s = rng.choice(len(SURNAMES), n, p=sw / sw.sum())
    g = rng.integers(0, len(GIVEN), n)
    zh = [SURNAMES[a][0] + GIVEN[b][0] for a, b in zip(s, g, strict=True)]
    en = [f"{SURNAMES[a][1]} {GIVEN[b][1]}" for a, b in zip(s, g, strict=True)]
    return zh, en, s


def _create_staff(rng, rms: int) -> dict:
    """Create the contract users (DESIGN §9) and, for rms > 5, more teams of about five."""
    specs = list(CONTRACT_STAFF)
    extra = rms - 5
    teams = 2
    if extra:
        sizes = [5] * (extra // 5) + ([extra % 5] if extra % 5 else [])
        names, _, _ = _person_names(rng, extra + len(sizes))
        grades = rng.integers(1, 6, extra)
        number = 6
        for t, size in enumerate(sizes):
            team = 2 + t
            for _ in range(size):
                specs.append((f"rm{number}", "rm", team, int(grades[number - 6]),
                              names[number - 6], "sme"))
                number += 1
            specs.append((f"lead{team + 1}", "lead", team, 5, names[extra + t], "sme"))
        teams += len(sizes)
    password_hash = auth_service.hash_password(PASSWORD)  # scrypt is slow: hash once
    existing = {u.username: u for u in db.session.scalars(select(User))}
    users = {}
    for username, role, team, grade, name, line in specs:
        user = existing.get(username)
        if user is None:
            user = auth_service.create_user(
                username=username, password="", password_hash=password_hash, role=role,
                display_name=name, team=_team_name(team) if team is not None else None,
                grade=grade, line=line)
            user.email = f"{username}@bank.example"
            user.phone = f"0571-8{int(rng.integers(0, 10_000_000)):07d}"
            if role in ("rm", "lead"):
                user.quiet_start = datetime.strptime("21:30", "%H:%M").time()
                user.quiet_end = datetime.strptime("07:30", "%H:%M").time()
        users[username] = user
    db.session.flush()
    rm_rows = [(u.id, s[2], s[3]) for s in specs if s[1] == "rm" for u in [users[s[0]]]]
    team_cities = [[c for c in range(len(CITIES)) if c % teams == t % len(CITIES)]
                   or [t % len(CITIES)] for t in range(teams)]
    return {"users": users, "teams": [_team_name(t) for t in range(teams)],
            "rm_ids": np.array([r[0] for r in rm_rows]),
            "rm_team": np.array([r[1] for r in rm_rows]),
            "rm_grade": np.array([r[2] for r in rm_rows]), "team_cities": team_cities,
            "logins": [(s[0], s[1], _team_name(s[2]) if s[2] is not None else "") for s in specs]}


# --------------------------------------------------------------------------- customers and truth


def _draw_world(rng, n: int, cal: _Calendar, staff: dict) -> dict:
    """Draw every customer's traits and hidden truth (vectorised over all customers)."""
    D = cal.D
    w = {}
    iw = np.array([INDUSTRIES[k]["w"] for k in IND_KEYS], dtype=float)
    ind = rng.choice(len(IND_KEYS), n, p=iw / iw.sum())
    w["industry"] = ind

    def trait(name):
        return np.array([INDUSTRIES[k][name] for k in IND_KEYS], dtype=float)[ind]

    # Portfolio: RMs get similar shares; a customer's city is one its RM's team covers.
    share = rng.lognormal(0, 0.15, len(staff["rm_ids"]))
    rm = rng.choice(len(share), n, p=share / share.sum())
    w["rm"] = rm
    city = np.empty(n, dtype=np.int64)
    cw = np.array([c[4] for c in CITIES], dtype=float)
    for t, cities in enumerate(staff["team_cities"]):
        sel = staff["rm_team"][rm] == t
        p = cw[cities] / cw[cities].sum()
        city[sel] = np.array(cities)[rng.choice(len(cities), sel.sum(), p=p)]
    w["city"] = city

    z_rev = rng.standard_normal(n)
    revenue = np.exp(np.log(3.5e6) + 1.25 * z_rev)
    revenue = np.clip(revenue, 2e5, 5e8).round(-3)
    w["revenue"] = revenue
    w["z_rev"] = (np.log(revenue) - np.log(3.5e6)) / 1.25
    employees = np.maximum(1, np.rint(revenue / trait("rpe") * rng.lognormal(0, 0.4, n)))
    w["employees"] = employees.astype(np.int64)
    age_years = np.clip(np.exp(np.log(7) + 0.25 * z_rev + 0.6 * rng.standard_normal(n)), 0.6, 40)
    w["founded"] = D - np.rint(age_years * 365.25).astype(np.int64)
    # Tenure with the bank: some brand new, most a few years.
    new = rng.random(n) < 0.07
    tenure = np.where(new, rng.integers(1, 90, n),
                      np.exp(np.log(4 * 365) + 0.8 * rng.standard_normal(n)).astype(np.int64))
    tenure = np.minimum(tenure, np.maximum(D - w["founded"] - 30, 1))
    tenure = np.where(new, tenure, np.clip(tenure, 90, 15 * 365))
    w["onboard"] = D - tenure
    tenure_y = tenure / 365.25

    owner_zh, owner_en, surname = _person_names(rng, n)
    w["owner_age"] = np.clip(rng.normal(46, 9, n), 24, 72).round()
    # Sister companies: some customers share their owner with another customer.
    sister = np.flatnonzero(rng.random(n) < 0.04)
    other = rng.integers(0, n, len(sister))
    keep = other != sister
    sister, other = sister[keep], other[keep]
    for a, b in zip(sister, other, strict=True):
        owner_zh[a], owner_en[a], surname[a] = owner_zh[b], owner_en[b], surname[b]
    w["owner_zh"], w["owner_en"], w["surname"] = owner_zh, owner_en, surname
    w["affiliates"] = np.stack([sister, other], axis=1)

    digital = _sigmoid(0.6 - 0.05 * (w["owner_age"] - 46) + 1.0 * (trait("growth") > 0.05)
                       + 0.8 * rng.standard_normal(n))
    w["digital"] = digital
    w["cash"] = np.clip(trait("cash") * rng.lognormal(0, 0.4, n), 0.01, 0.8)
    g = np.clip(rng.normal(0.04, 0.15, n) + trait("growth"), -0.5, 0.6)
    w["growth"] = g
    w["trend"] = np.where(g > 0.10, "growing", np.where(g < -0.05, "declining", "stable"))
    w["profile"] = trait("consumer").astype(np.int64)
    w["balance"] = np.clip(revenue * np.exp(np.log(0.015) + 0.7 * rng.standard_normal(n)),
                           800, 2e7)
    w["z_bal"] = (np.log(w["balance"]) - np.log(5e4)) / 1.4
    w["turnover"] = revenue / 12 * rng.beta(4, 3, n)
    w["lam"] = np.clip(np.exp(np.log(17) + 0.3 * z_rev + 0.45 * rng.standard_normal(n)), 2, 80)
    w["slow_start"] = new & (rng.random(n) < 0.35)

    # Truth: propensity per product.
    heavy = np.isin(ind, [IND_KEYS.index(k) for k in
                          ("manufacturing", "construction", "logistics", "agriculture")])
    x = {"rev": w["z_rev"], "bal": w["z_bal"], "dig": digital - 0.5, "g": g,
         "young": (age_years < 3).astype(float), "emp": (np.log(employees) - 2) / 1.2,
         "credit": trait("credit"), "pos": trait("pos"), "pay": trait("pay"),
         "old_owner": (w["owner_age"] > 45).astype(float)}
    logits = {
        "TD": -1.0 + 0.8 * x["bal"] - 0.8 * x["g"],
        "MMF": -1.4 + 0.7 * x["bal"] + 0.8 * x["dig"],
        "INST": -1.3 + 0.3 * x["rev"] + 0.8 * x["credit"] + 2.0 * x["g"],
        "WCL": -2.0 + 0.8 * x["rev"] + 0.9 * x["credit"] + 1.2 * x["g"],
        "UCC": -2.0 - 0.4 * x["rev"] + 0.7 * x["young"] + 0.8 * x["dig"],
        "BCARD": -1.1 + 0.4 * x["rev"] + 1.0 * x["dig"],
        "POS": -1.4 + 1.0 * x["pos"] + 0.5 * x["dig"],
        "PAY": -1.5 + 0.9 * x["pay"] + 0.8 * x["emp"],
        "CMS": -3.6 + 1.2 * x["rev"],
        "CGI": -0.8 + 0.5 * x["credit"] - 0.3 * x["rev"],
        "INS": -1.9 + 0.4 * x["rev"] + 0.8 * heavy,
        "FUND": -2.2 + 0.8 * x["bal"] + 0.8 * x["dig"],
        "RPL": -1.9 + 0.6 * (w["owner_age"] < 40) + 0.8 * x["g"] + 0.3 * x["credit"],
        "PWM": -4.2 + 1.0 * x["rev"] + 0.8 * x["bal"] + 0.6 * x["old_owner"],
    }
    w["propensity"] = {k: _sigmoid(v + 0.5 * rng.standard_normal(n)) for k, v in logits.items()}
    exposure = 1 - np.exp(-(tenure_y + 0.15) / 1.5)
    held = {k: rng.random(n) < w["propensity"][k] * exposure for k in HELD}
    has_loan = held["INST"] | held["WCL"] | held["UCC"]
    held["CGI"] &= has_loan
    w["held"] = held

    # Truth: attrition. Hazard is the yearly probability of leaving.
    # Short tenure, a shrinking business, few products and a digital owner who can switch
    # banks from the phone make leaving likelier.
    products_held = sum(held[k].astype(float) for k in HELD)
    hazard = _sigmoid(-1.9 - 0.15 * np.minimum(tenure_y, 10) + 4.0 * np.maximum(0, -g)
                      - 0.3 * w["z_rev"] - 0.35 * products_held + 0.6 * (digital > 0.75)
                      + 0.7 * rng.standard_normal(n))
    w["hazard"] = hazard
    span = (D + 2 * 365) / 365.25
    leaves = rng.random(n) < 1 - np.exp(-hazard * span)
    # When: past exits show as lapsed/closed or dormant, recent ones are fading, future ones
    # are the attrition the scoring models should foresee.
    phase = rng.choice(4, n, p=[0.35, 0.20, 0.10, 0.35])
    lo = np.array([-365, D - 365, D - 90, D])[phase]
    hi = np.array([D - 365, D - 90, D, D + 365])[phase]
    exit_day = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    leaves &= exit_day > w["onboard"] + 60
    big = BIG
    w["exit"] = np.where(leaves, exit_day, big)
    closes = leaves & (exit_day < D - 120) & (rng.random(n) < 0.4)
    close_day = np.minimum(exit_day + rng.integers(30, 180, n), D - 1)
    w["close"] = np.where(closes, close_day, big)
    w["leave_reason"] = rng.integers(0, len(LEAVE_REASONS), n)

    # Truth: default probability over the next twelve months.
    pd_ = _sigmoid(-3.7 + 1.5 * trait("risk") - 0.5 * w["z_rev"] + 0.8 * (age_years < 3)
                   + 3.0 * np.maximum(0, -g) + 0.7 * rng.standard_normal(n))
    w["pd"] = pd_
    w["defaults_12m"] = rng.random(n) < pd_
    w["overdue"] = rng.random(n) < np.minimum(0.6, pd_ * 3)
    w["overdue_days"] = np.where(rng.random(n) < 0.6, rng.integers(1, 30, n),
                                 np.where(rng.random(n) < 0.6, rng.integers(30, 90, n),
                                          rng.integers(90, 181, n)))

    # Package tier the customer chose, from the balances they keep (with some mismatch:
    # those below their tier's minimum pay the monthly fee).
    linked = w["balance"] * (1 + 0.8 * held["TD"] + 0.4 * held["MMF"]) * rng.lognormal(0, .4, n)
    w["tier"] = np.where(linked >= 2e5, "advanced",
                         np.where(linked >= 4e4, "intermediate", "basic"))

    # Truth: how the customer prefers to be contacted.
    pref = np.where(w["z_rev"] > 1.0, 0, np.where(digital > 0.7, 2, 1))
    pref = np.where(rng.random(n) < 0.25, rng.integers(0, 4, n), pref)
    w["pref_channel"] = np.array(["visit", "call", "message", "email"])[pref]
    hour_base = np.where(np.isin(ind, [IND_KEYS.index("catering")]), 15,
                         np.where(w["profile"] == 1, 10, 9))
    w["pref_hour"] = np.clip(hour_base + rng.choice([0, 1, 2, 5, 6], n), 8, 20)
    w["consent_marketing"] = rng.random(n) < 0.86
    w["consent_phone"] = rng.random(n) < 0.93
    w["consent_email"] = rng.random(n) < 0.82
    _names(rng, w, n)
    return w


def _names(rng, w: dict, n: int) -> None:
    """Company names in Chinese and English from the word lists, unique within the bank."""
    brand = rng.integers(0, len(BRANDS), n)
    word = rng.integers(0, 1000, n)
    kind_u = rng.random(n)
    names_zh, names_en, emails, phones = [], [], [], []
    seen = set()
    phone_prefix = ("138", "139", "135", "136", "137", "150", "151", "158", "159", "186",
                    "187", "188", "189", "177", "199")
    pp = rng.integers(0, len(phone_prefix), n)
    pn = rng.integers(0, 100_000_000, n)
    dom = rng.integers(0, len(EMAIL_DOMAINS), n)
    for i in range(n):
        words = INDUSTRIES[IND_KEYS[w["industry"][i]]]["words"]
        city_zh, city_en = CITIES[w["city"][i]][:2]
        rev, emp = w["revenue"][i], w["employees"][i]
        if emp < 5 and kind_u[i] < 0.6:
            suffix = (("商行", "Store"), ("经营部", "Trading Department"))[int(kind_u[i] * 10) % 2]
        elif rev > 2e8 and kind_u[i] < 0.5:
            suffix = ("集团有限公司", "Group Co., Ltd.")
        elif emp >= 100 and kind_u[i] < 0.4:
            suffix = ("股份有限公司", "Joint Stock Co., Ltd.")
        else:
            suffix = ("有限公司", "Co., Ltd.")
        b, k = brand[i], word[i] % len(words)
        for attempt in range(len(BRANDS)):
            bz, be = BRANDS[(b + attempt * 7) % len(BRANDS)]
            zh = f"{city_zh}{bz}{words[k][0]}{suffix[0]}"
            if zh not in seen:
                break
        else:
            zh = f"{city_zh}{bz}{words[k][0]}{suffix[0]}（{i + 1}）"
        seen.add(zh)
        names_zh.append(zh)
        names_en.append(f"{city_en} {be} {words[k][1]} {suffix[1]}")
        slug = be.lower().replace("'", "").replace("ü", "u")
        if rev > 3e7:
            emails.append(f"finance@{slug}{w['city'][i]}.com.cn")
        else:
            owner = w["owner_en"][i].lower().replace(" ", "").replace("ü", "u")
            emails.append(f"{owner}{int(pn[i]) % 1000}@{EMAIL_DOMAINS[dom[i]]}")
        phones.append(f"{phone_prefix[pp[i]]}{int(pn[i]):08d}")
    w["name_zh"], w["name_en"], w["email"], w["phone"] = names_zh, names_en, emails, phones


# --------------------------------------------------------------------------- simulation


def _simulate(rng, w: dict, idx: np.ndarray, cal: _Calendar, packages: dict) -> dict:
    """Simulate accounts and transactions of one batch of customers from their truth."""
    n, M, D = len(idx), cal.M, cal.D
    big = BIG
    onboard = w["onboard"][idx]
    exit_day = w["exit"][idx]
    close_day = w["close"][idx]
    lam = w["lam"][idx]
    profile = w["profile"][idx]
    turnover = w["turnover"][idx]
    revenue = w["revenue"][idx]
    bal = w["balance"][idx]
    g = w["growth"][idx]
    pd_ = w["pd"][idx]
    held = {k: v[idx] for k, v in w["held"].items()}

    # Activity per customer-month: seasonality, growth, ramp-up after onboarding, fade-out
    # before leaving. ratio is relative to the customer's ordinary month.
    mid = cal.mmid[None, :].astype(float)
    live = np.clip((cal.mend[None, :] - np.maximum(cal.mstart[None, :], onboard[:, None]))
                   / np.maximum(cal.mdays[None, :], 1), 0, 1)
    months_in = np.maximum(mid - onboard[:, None], 0) / 30.44
    # Slow starters barely use the account in their first quarter (an activation moment).
    ramp_len = np.where(w["slow_start"][idx], 4.0, 0.6)
    ramp = 1 - np.exp(-(months_in + 0.3) / ramp_len[:, None])
    fade = np.clip((exit_day[:, None] - mid) / 120.0, 0, 1)
    trend = np.exp(g[:, None] * (np.arange(M)[None, :] - (M - 1)) / 12)
    season = cal.season[profile]
    ratio = season * trend * ramp * fade * live
    ratio[:, cal.mdays == 0] = 0

    acc = _Accounts()
    cur = acc.add(np.arange(n), "CUR", onboard, close_day=close_day, rate=np.full(n, 0.002))
    rows = _Rows()
    # Pre-window customers bring their balance forward; new ones open with a deposit.
    e0 = bal * np.exp(-g * M / 12 * 0.8) * rng.lognormal(0, 0.2, n)
    gone = exit_day < 0
    e0 = np.where(gone, rng.uniform(0, 300, n), e0)
    pre = onboard < 0
    rows.add(cur[pre], -1, e0[pre], "transfer", "system", False, "期初余额结转")
    opening = bal * rng.uniform(0.1, 0.5, n)
    post = ~pre & (onboard < D)
    rows.add(cur[post], onboard[post] * DAY + _seconds(rng, post.sum(), 9, 11), opening[post],
             "deposit", "branch", True, "开户存入")

    sales = []  # (customer, code, day, amount): accounts opened in the window after onboarding

    def open_days(mask, min_gap=30):
        """Opening day of a product account: between onboarding and today, before leaving."""
        lo = onboard + np.where(rng.random(n) < 0.3, 0, min_gap)
        hi = np.minimum(D, exit_day - 30)
        day = lo + (rng.random(n) ** 0.8 * np.maximum(hi - lo, 0)).astype(np.int64)
        ok = mask & (hi > lo)
        return ok, day

    rate_spread = np.clip(pd_ * 0.6, 0, 0.05)

    # ---- term deposits: a current one (some maturing soon) and, for some, a matured one.
    td_terms = np.array([3, 6, 12, 24, 36])
    td_rates = np.array([0.0115, 0.0135, 0.0155, 0.0165, 0.0195])
    for which in ("current", "matured"):
        mask = held["TD"] & ((rng.random(n) < 0.45) if which == "matured" else True)
        term_i = rng.choice(len(td_terms), n, p=[0.15, 0.25, 0.35, 0.15, 0.10])
        term_d = np.rint(td_terms[term_i] * 30.4375).astype(np.int64)
        if which == "current":
            soon = rng.random(n) < 0.25
            mat = np.where(soon, D + rng.integers(1, 60, n),
                           D + (rng.random(n) * term_d).astype(np.int64) + 1)
        else:
            mat = rng.integers(0, max(D, 1), n)
        o = mat - term_d
        ok = mask & (o >= onboard) & (o < np.minimum(D, exit_day - 30)) & (o < close_day)
        if which == "matured":
            ok &= mat < np.minimum(D, close_day)
        amount = np.round(bal * rng.uniform(0.5, 3.0, n), -3)
        rate = td_rates[term_i]
        k = np.flatnonzero(ok)
        matured = mat[k] < D
        a = acc.add(k, "TD", o[k], mat_day=mat[k],
                    close_day=np.where(matured, mat[k], big), rate=rate[k], amount=amount[k])
        _opening(rng, rows, a, cur[k], o[k], amount[k], "deposit", "定期存入", "转存定期")
        _sales(sales, k, "TD", o[k], amount[k], onboard)
        mk = matured
        interest = np.round(amount[k][mk] * rate[k][mk] * td_terms[term_i[k][mk]] / 12, 2)
        tm = mat[k][mk] * DAY + _seconds(rng, mk.sum(), 1, 2)
        rows.add(a[mk], tm, interest, "interest", "system", False, "定期利息")
        rows.add(a[mk], tm + 60, -(amount[k][mk] + interest), "transfer", "system", False,
                 "定期到期转活期")
        rows.add(cur[k][mk], tm + 60, amount[k][mk] + interest, "transfer", "system", False,
                 "定期到期本息转入")

    # ---- money market account: interest monthly, sweeps to and from the current account.
    ok, o = open_days(held["MMF"])
    k = np.flatnonzero(ok)
    level = np.round(bal[k] * rng.uniform(0.5, 4.0, len(k)), -2)
    a = acc.add(k, "MMF", o[k], close_day=close_day[k], rate=np.full(len(k), 0.012),
                amount=level)
    _opening(rng, rows, a, cur[k], o[k], level, "deposit", "转入货币市场账户", "转入货币市场账户")
    _sales(sales, k, "MMF", o[k], level, onboard)
    ai, m, day = cal.monthly(o[k], np.minimum(close_day[k], big), np.full(len(k), 28))
    rows.add(a[ai], day * DAY + _seconds(rng, len(ai), 1, 2),
             np.round(level[ai] * 0.012 / 12, 2), "interest", "system", False, "货币市场账户利息")
    sweeps = rng.poisson(0.5 * ratio[k][ai, m])
    si = np.repeat(np.arange(len(ai)), sweeps)
    sd = np.maximum(cal.mstart[m[si]] + (rng.random(len(si)) * cal.mdays[m[si]]).astype(np.int64),
                    o[k][ai[si]] + 1)
    amt = np.round(level[ai[si]] * rng.uniform(0.1, 0.3, len(si)) * rng.choice([-1, 1], len(si)), 2)
    st = sd * DAY + _seconds(rng, len(si), 9, 18)
    keep = sd < D
    rows.add(a[ai[si]][keep], st[keep], amt[keep], "transfer", "online", True,
             np.where(amt[keep] > 0, DESC["转入货币市场账户"], DESC["货币市场账户转出"]), stop=True)
    rows.add(cur[k][ai[si]][keep], st[keep], -amt[keep], "transfer", "online", True,
             np.where(amt[keep] > 0, DESC["转入货币市场账户"], DESC["货币市场账户转出"]), stop=True)

    # ---- partner fund: a subscription, later a few top-ups and redemptions.
    ok, o = open_days(held["FUND"])
    k = np.flatnonzero(ok)
    level = np.round(bal[k] * rng.uniform(0.3, 2.0, len(k)), -3)
    a = acc.add(k, "FUND", o[k], close_day=close_day[k], amount=level)
    _opening(rng, rows, a, cur[k], o[k], level, "transfer", "基金申购", "基金申购")
    _sales(sales, k, "FUND", o[k], level, onboard)
    extra = rng.poisson(1.0, len(k))
    fi = np.repeat(np.arange(len(k)), extra)
    fd = np.maximum(o[k][fi], 0) + (rng.random(len(fi)) * (D - np.maximum(o[k][fi], 0))).astype(
        np.int64) + 1
    famt = np.round(level[fi] * rng.uniform(0.1, 0.4, len(fi)) * rng.choice([-1, 1], len(fi)), -2)
    keep = fd < D
    ft = fd * DAY + _seconds(rng, len(fi), 9, 15)
    fdesc = np.where(famt > 0, DESC["基金申购"], DESC["基金赎回"])
    rows.add(a[fi][keep], ft[keep], famt[keep], "transfer", "mobile", True, fdesc[keep], stop=True)
    rows.add(cur[k][fi][keep], ft[keep], -famt[keep], "transfer", "mobile", True, fdesc[keep],
             stop=True)

    # ---- credit: decide overdue accounts first (repayments stop for their last days).
    overdue_days = np.where(w["overdue"][idx] & (close_day >= big), w["overdue_days"][idx], 0)
    overdue_left = overdue_days.copy()  # the first open credit account takes the overdue days
    credit_accounts = []  # (account idx array, customer idx array, days overdue array)

    def take_overdue(k, open_now):
        d = np.where(open_now, overdue_left[k], 0)
        overdue_left[k[open_now]] = 0
        return d

    for code, lo_amt, hi_amt, terms in (("INST", 0.03, 0.15, (12, 24, 36, 60)),
                                        ("UCC", 0.01, 0.05, (12,))):
        base_rate = {"INST": 0.0435, "UCC": 0.065}[code]
        for which in ("current", "past"):
            mask = held[code] & ((rng.random(n) < 0.3) if which == "past" else True)
            T = np.array(terms)[rng.integers(0, len(terms), n)]
            term_d = np.rint(T * 30.4375).astype(np.int64)
            if which == "current":
                soon = rng.random(n) < 0.15
                mat = np.where(soon, D + rng.integers(1, 60, n),
                               D + (rng.random(n) * term_d).astype(np.int64) + 1)
            else:
                mat = rng.integers(0, max(D, 1), n)
            o = mat - term_d
            ok = mask & (o >= onboard + 30) & (o < np.minimum(D, exit_day - 30)) \
                & (o < close_day)
            if which == "past":
                ok &= mat < close_day
            k = np.flatnonzero(ok)
            P = np.clip(np.round(revenue[k] * rng.uniform(lo_amt, hi_amt, len(k)), -4),
                        2e4 if code == "UCC" else 5e4, 3e5 if code == "UCC" else 3e6)
            rate = np.round(base_rate + rate_spread[k] + rng.uniform(-0.005, 0.01, len(k)), 4)
            d_over = take_overdue(k, mat[k] > D) if which == "current" else np.zeros(len(k), int)
            a = acc.add(k, code, o[k], mat_day=mat[k], limit=P, rate=rate, amount=P)
            credit_accounts.append((a, k, d_over))
            closed = _amortise(rng, rows, cal, a, cur[k], o[k], P, T[k], rate, d_over,
                               close_day[k], code)
            acc.parts[-1]["close"] = np.where(closed >= 0, closed, big)
            _sales(sales, k, code, o[k], P, onboard)

    # ---- working-capital line: month-end utilisation path, draws early, repayments late.
    ok, o = open_days(held["WCL"], min_gap=60)
    k = np.flatnonzero(ok)
    L = np.clip(np.round(revenue[k] * rng.uniform(0.05, 0.25, len(k)), -4), 1e5, 1e7)
    years = np.maximum(np.ceil((D + 1 - o[k]) / 365), 1).astype(np.int64)
    mat = o[k] + years * 365
    rate = np.round(0.048 + rate_spread[k] + rng.uniform(-0.005, 0.01, len(k)), 4)
    d_over = take_overdue(k, np.ones(len(k), bool))
    a = acc.add(k, "WCL", o[k], mat_day=mat, close_day=close_day[k], limit=L, rate=rate,
                amount=L)
    credit_accounts.append((a, k, d_over))
    _credit_line(rng, rows, cal, a, cur[k], o[k], L, rate, d_over, pd_[k], ratio[k], profile[k])
    _sales(sales, k, "WCL", o[k], L, onboard)

    # ---- business card: spending through the month, repaid in full on the 5th.
    ok, o = open_days(held["BCARD"])
    k = np.flatnonzero(ok)
    limit = np.clip(np.round(revenue[k] * rng.uniform(0.005, 0.03, len(k)), -3), 1e4, 5e5)
    d_over = take_overdue(k, np.ones(len(k), bool))
    a = acc.add(k, "BCARD", o[k], close_day=close_day[k], limit=limit,
                rate=np.full(len(k), 0.1825))
    credit_accounts.append((a, k, d_over))
    spend = np.minimum(limit * rng.uniform(0.1, 0.5, len(k)), turnover[k] * 0.1)
    _card(rng, cal, rows, a, cur[k], o[k], spend, ratio[k], profile[k], lam[k], d_over)
    _sales(sales, k, "BCARD", o[k], limit, onboard)

    # ---- merchant acquiring: settlements into the current account, fee monthly.
    ok, o = open_days(held["POS"])
    k = np.flatnonzero(ok)
    a = acc.add(k, "POS", o[k], close_day=close_day[k], rate=np.full(len(k), 0.0038))
    _sales(sales, k, "POS", o[k], turnover[k], onboard)
    counts = rng.poisson(rng.uniform(8, 22, len(k))[:, None] * ratio[k])
    om = cal.month_of(np.maximum(o[k], 0))
    counts[np.arange(M)[None, :] < om[:, None]] = 0
    ci_, cm_ = np.nonzero(counts)
    rep = counts[ci_, cm_]
    pi = np.repeat(ci_, rep)
    pm = np.repeat(cm_, rep)
    pday = cal.sample_days(rng, pm, profile[k][pi]) + 1  # settled the next night
    volume = turnover[k] * rng.uniform(0.3, 0.7, len(k))
    pw = rng.lognormal(0, 0.6, len(pi))
    gsum = np.bincount(pi * M + pm, weights=pw, minlength=len(k) * M)
    pamt = np.round(volume[pi] * ratio[k][pi, pm] * pw / gsum[pi * M + pm], 2)
    keep = (pday > o[k][pi]) & (pday < D)
    pt = pday * DAY + _seconds(rng, len(pi), 1, 3)
    rows.add(cur[k][pi][keep], pt[keep], pamt[keep], "card", "pos", True, "POS收单结算", stop=True)
    fee = np.bincount((pi * M + pm)[keep], weights=pamt[keep], minlength=len(k) * M)
    fee = fee.reshape(len(k), M) * 0.0038
    _month_end_charge(rng, rows, cal, cur[k], fee, "fee", "收单手续费")

    # ---- payroll and billing: salaries on the 10th, social insurance on the 15th.
    ok, o = open_days(held["PAY"])
    k = np.flatnonzero(ok)
    a = acc.add(k, "PAY", o[k], close_day=close_day[k])
    _sales(sales, k, "PAY", o[k], turnover[k], onboard)
    wage = rng.uniform(4500, 9000, len(k)) * w["employees"][idx][k]
    payroll = np.minimum(wage, turnover[k] * 0.5)
    for dom, share, desc, chan, ci in ((10, 1.0, "代发工资", "online", True),
                                       (15, 0.28, "社保公积金代缴", "system", False)):
        ai, m, day = cal.monthly(o[k], np.minimum(exit_day[k], close_day[k]),
                                 np.full(len(k), dom))
        keep = ratio[k][ai, m] > 0.3
        amt = -np.round(payroll[ai] * share * rng.uniform(0.97, 1.04, len(ai)), 2)
        rows.add(cur[k][ai][keep], (day * DAY + _seconds(rng, len(ai), 9, 11))[keep], amt[keep],
                 "payment", chan, ci, desc, stop=True)

    # ---- cash management: a service with a monthly fee only.
    ok, o = open_days(held["CMS"])
    k = np.flatnonzero(ok)
    acc.add(k, "CMS", o[k], close_day=close_day[k])
    _sales(sales, k, "CMS", o[k], np.zeros(len(k)), onboard)

    # ---- partner insurance: yearly premiums from the current account.
    loan_amount = np.zeros(n)
    for a_idx, k_idx, _ in credit_accounts:
        np.maximum.at(loan_amount, k_idx, np.nan_to_num(acc.concat()["limit"][a_idx]))
    for code, premium in (("CGI", np.maximum(loan_amount * 0.012, 300)),
                          ("INS", np.maximum(revenue * rng.uniform(0.0004, 0.0012, n), 1500))):
        mask = held[code] & ((loan_amount > 0) if code == "CGI" else True)
        ok, o = open_days(mask)
        k = np.flatnonzero(ok)
        prem = np.round(premium[k], 2)
        acc.add(k, code, o[k], close_day=close_day[k], amount=prem)
        _sales(sales, k, code, o[k], prem, onboard)
        yrs = np.arange(0, 40)
        day = o[k][:, None] + yrs[None, :] * 365
        okd = (day >= 0) & (day < D) & (day < close_day[k][:, None])
        ai, yi = np.nonzero(okd)
        rows.add(cur[k][ai], day[ai, yi] * DAY + _seconds(rng, len(ai), 1, 2), -prem[ai],
                 "premium", "system", False,
                 "信用保证保险保费" if code == "CGI" else "财产保险保费", stop=True)

    # ---- monthly service fees of held services (POS, PAY, CMS).
    accs = acc.concat()
    for code, fee in (("POS", 30.0), ("PAY", 20.0), ("CMS", 200.0)):
        sel = np.flatnonzero(accs["code"] == code)
        ai, m, day = cal.monthly(accs["open"][sel], accs["close"][sel],
                                 np.ones(len(sel), dtype=np.int64))
        rows.add(cur[accs["cust"][sel][ai]], day * DAY + _seconds(rng, len(ai), 0.5, 1.5), -fee,
                 "fee", "system", False, "服务月费")

    # ---- current-account interest, quarterly on the 21st.
    quarter_end = np.isin((np.arange(M) + cal.start.month - 1) % 12 + 1, [3, 6, 9, 12])
    qm = np.flatnonzero(quarter_end)
    if len(qm):
        ci_, qi = np.meshgrid(np.arange(n), qm, indexing="ij")
        day = cal.mstart[qi] + 20
        okq = (day > onboard[:, None]) & (day < D) & (day < close_day[:, None])
        amt = np.round(bal[ci_] * trend[ci_, qi] * 0.002 / 4, 2)
        rows.add(cur[ci_[okq]], day[okq] * DAY + _seconds(rng, okq.sum(), 1, 2), amt[okq],
                 "interest", "system", False, "活期结息")

    # ---- what the customer does themselves on the current account.
    other = rows.concat()
    other = _take(other, _alive(other, accs["cust"], exit_day, close_day))
    _free_flows(rng, w, idx, cal, rows, cur, other, ratio, e0, pre, trend, fade)

    tx = rows.concat()
    tx = _take(tx, _alive(tx, accs["cust"], exit_day, close_day) & (tx["t"] < D * DAY))
    tx, month_end = _settle(rng, cal, tx, accs, packages, w["tier"][idx], close_day)
    overdue = np.zeros(accs["cust"].shape[0], dtype=np.int64)
    for a_idx, _, d in credit_accounts:
        overdue[a_idx] = d
    return {"accounts": accs, "tx": tx, "month_end": month_end, "overdue": overdue,
            "sales": sales}


def _alive(tx, acc_cust, exit_day, close_day) -> np.ndarray:
    """Rows that happen: nothing after a customer closes, no own activity after they leave."""
    c = acc_cust[tx["acc"]]
    return (tx["t"] < close_day[c] * DAY) & ~(tx["stop"] & (tx["t"] >= exit_day[c] * DAY))


def _opening(rng, rows, a, cur_a, o, amount, kind, acc_desc, cur_desc):
    """Fund a new deposit-like account from the current account, or bring it forward."""
    pre = o < 0
    rows.add(a[pre], -1, amount[pre], "transfer", "system", False, "期初余额结转")
    inside = ~pre
    t = o[inside] * DAY + _seconds(rng, inside.sum(), 9, 16)
    rows.add(a[inside], t, amount[inside], kind, "online", True, acc_desc)
    rows.add(cur_a[inside], t, -amount[inside], "transfer", "online", True, cur_desc)


def _sales(sales, k, code, o, amount, onboard) -> None:
    """Remember products sold in the window after onboarding: the RM logged a sale."""
    sel = (o >= 0) & (o > onboard[k] + 14)
    for c, d, amt in zip(k[sel], o[sel], np.asarray(amount)[sel], strict=True):
        sales.append((int(c), code, int(d), float(amt)))


def _amortise(rng, rows, cal, a, cur_a, o, P, T, rate, d_over, close_day, code) -> np.ndarray:
    """Monthly straight-line repayments of instalment loans; return the day each closed."""
    D = cal.D
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    k = np.arange(1, T.max() + 1 if len(T) else 1)
    ev = o[:, None] + np.rint(k[None, :] * 30.4375).astype(np.int64)
    valid = k[None, :] <= T[:, None]
    pp = np.round(P / T, 2)
    principal = np.where(k[None, :] == T[:, None], P[:, None] - pp[:, None] * (T[:, None] - 1),
                         pp[:, None])
    before = P[:, None] - pp[:, None] * (k[None, :] - 1)
    pre_n = (valid & (ev < 0)).sum(axis=1)
    pre = o < 0
    rows.add(a[pre], -1, (P - pp * pre_n)[pre], "transfer", "system", False, "期初余额结转")
    inside = ~pre & (o < D)
    t0 = o[inside] * DAY + _seconds(rng, inside.sum(), 10, 16)
    rows.add(a[inside], t0, P[inside], "drawdown", "branch", True, "贷款放款")
    rows.add(cur_a[inside], t0, P[inside], "transfer", "system", False, "贷款资金入账")
    paid = valid & (ev >= 0) & (ev < D) & (ev < D - d_over[:, None]) & (ev < close_day[:, None])
    li, ki = np.nonzero(paid)
    t = ev[li, ki] * DAY + _seconds(rng, len(li), 1, 3)
    interest = np.round(before[li, ki] * rate[li] / 12, 2)
    rows.add(a[li], t, -principal[li, ki], "repayment", "system", False,
             "分期贷款还款" if code == "INST" else "贷款还本付息")
    rows.add(cur_a[li], t, -(principal[li, ki] + interest), "repayment", "system", False,
             "贷款还本付息")
    last = np.where(valid, ev, -1).max(axis=1)
    done = (last < D) & (d_over == 0) & (last < close_day)
    return np.where(done, last, -1)


def _credit_line(rng, rows, cal, a, cur_a, o, L, rate, d_over, pd_, ratio, profile) -> None:
    """Draws in the first half of a month, repayments in the second, around a month-end path."""
    M, D = cal.M, cal.D
    n = len(a)
    if not n:
        return
    u = np.clip(rng.beta(2, 3, n) + 2 * pd_, 0.05, 0.9)
    ar = rng.standard_normal(n)
    prev = np.where(o < 0, L * np.clip(u + 0.12 * ar, 0, 0.97), 0.0)
    pre = o < 0
    rows.add(a[pre], -1, np.round(prev[pre], 2), "transfer", "system", False, "期初余额结转")
    for m in range(M):
        ar = 0.6 * ar + 0.8 * rng.standard_normal(n)
        target = L * np.clip(u + 0.12 * ar, 0, 0.97)
        first = cal.mstart[m] + np.where(o >= cal.mstart[m], o - cal.mstart[m] + 1, 0)
        active = (cal.mdays[m] >= 4) & (first < cal.mmid[m]) & (ratio[:, m] > 0.2)
        target = np.where(active, target, prev)
        net = target - prev
        gross = np.maximum(L * rng.uniform(0.05, 0.3, n) * ratio[:, m], np.abs(net) * 1.2)
        draws, repays = (gross + net) / 2, (gross - net) / 2
        for total, lo, hi, sign, count in ((draws, first, np.full(n, cal.mmid[m]), 1, 0.7),
                                           (repays, np.full(n, cal.mmid[m]),
                                            np.full(n, cal.mend[m]), -1, 0.5)):
            c = np.where(active & (total > 1), 1 + rng.poisson(count, n), 0)
            li = np.repeat(np.arange(n), c)
            if not len(li):
                continue
            wts = rng.lognormal(0, 0.5, len(li))
            ws = np.bincount(li, weights=wts, minlength=n)
            amt = np.round(total[li] * wts / ws[li], 2)
            day = lo[li] + (rng.random(len(li)) * np.maximum(hi[li] - lo[li], 1)).astype(np.int64)
            keep = day < D - d_over[li]
            t = day * DAY + _seconds(rng, len(li), 9, 17)
            if sign > 0:
                rows.add(a[li][keep], t[keep], amt[keep], "drawdown", "online", True, "循环贷提款",
                         stop=True)
                rows.add(cur_a[li][keep], t[keep], amt[keep], "transfer", "system", False,
                         "贷款资金入账", stop=True)
            else:
                rows.add(a[li][keep], t[keep], -amt[keep], "repayment", "online", True,
                         "归还循环贷", stop=True)
                rows.add(cur_a[li][keep], t[keep], -amt[keep], "repayment", "online", True,
                         "归还循环贷", stop=True)
        # Interest on the month-end balance, charged to the current account.
        if cal.mend[m] < D and cal.mend[m] == cal.mstart[m] + cal.mfull[m]:
            charged = (target > 0) & (o < cal.mend[m])
            rows.add(cur_a[charged], cal.mend[m] * DAY + 3600 + np.zeros(charged.sum(), int),
                     -np.round(target[charged] * rate[charged] / 12, 2), "interest", "system",
                     False, "贷款利息")
        prev = target


def _card(rng, cal, rows, a, cur_a, o, spend, ratio, profile, lam, d_over) -> None:
    """Card spending by activity; each month's spend repaid in full on the 5th of the next."""
    M, D = cal.M, cal.D
    n = len(a)
    if not n:
        return
    pre = o < 0
    carried = np.round(spend * rng.uniform(0.5, 1.2, n), 2)
    rows.add(a[pre], -1, carried[pre], "transfer", "system", False, "期初余额结转")
    t_first = (cal.mstart[0] + 4) * DAY + 3600
    rep = pre & (cal.mstart[0] + 4 < D - d_over)
    rows.add(a[rep], t_first, -carried[rep], "repayment", "system", False, "商务卡自动还款")
    rows.add(cur_a[rep], t_first, -carried[rep], "repayment", "system", False, "商务卡自动还款")
    counts = rng.poisson(rng.uniform(3, 12, n)[:, None] * ratio)
    om = cal.month_of(np.maximum(o, 0))
    counts[np.arange(M)[None, :] < om[:, None]] = 0
    ci_, cm_ = np.nonzero(counts)
    r = counts[ci_, cm_]
    si, sm = np.repeat(ci_, r), np.repeat(cm_, r)
    day = cal.sample_days(rng, sm, profile[si])
    wts = rng.lognormal(0, 0.8, len(si))
    ws = np.bincount(si * M + sm, weights=wts, minlength=n * M)
    amt = np.round(spend[si] * ratio[si, sm] * wts / ws[si * M + sm], 2)
    keep = (day > o[si]) & (day < D) & (amt > 0)
    chan = np.where(rng.random(len(si)) < 0.6, CHAN["pos"], CHAN["online"])
    rows.add(a[si][keep], (day * DAY + _seconds(rng, len(si), 8, 21))[keep], amt[keep], "card",
             chan[keep], True, "商务卡消费", stop=True)
    monthly = np.bincount((si * M + sm)[keep], weights=amt[keep], minlength=n * M).reshape(n, M)
    due = cal.mstart[1:] + 4
    li, mi = np.nonzero(monthly[:, :-1] > 0)
    ok = due[mi] < D - d_over[li]
    li, mi = li[ok], mi[ok]
    t = due[mi] * DAY + 3600
    rows.add(a[li], t, -np.round(monthly[li, mi], 2), "repayment", "system", False,
             "商务卡自动还款")
    rows.add(cur_a[li], t, -np.round(monthly[li, mi], 2), "repayment", "system", False,
             "商务卡自动还款")


def _month_end_charge(rng, rows, cal, cur_a, amounts, kind, desc) -> None:
    """Charge per-month amounts on the first day of the next month, once that day has come."""
    D = cal.D
    li, mi = np.nonzero(amounts > 0.005)
    ok = (cal.mend[mi] < D) & (cal.mend[mi] == cal.mstart[mi] + cal.mfull[mi])
    li, mi = li[ok], mi[ok]
    rows.add(cur_a[li], cal.mend[mi] * DAY + _seconds(rng, len(li), 0.5, 1.5),
             -np.round(amounts[li, mi], 2), kind, "system", False, desc)


def _free_flows(rng, w, idx, cal, rows, cur, other, ratio, e0, pre, trend, fade) -> None:
    """The customer's own receipts and payments, sized to follow a month-end balance path."""
    n, M, D = len(idx), cal.M, cal.D
    lam = w["lam"][idx]
    profile = w["profile"][idx]
    bal = w["balance"][idx]
    onboard = w["onboard"][idx]
    turnover = w["turnover"][idx]
    digital = w["digital"][idx]
    cash = w["cash"][idx]
    counts = rng.poisson(lam[:, None] * ratio)

    # Net of the other flows on each current account per month.
    on_cur = np.isin(other["acc"], cur) & (other["t"] >= 0)
    oc = other["acc"][on_cur]  # current accounts are numbered like their customers
    om = cal.month_of(other["t"][on_cur] // DAY)
    other_net = np.bincount(oc * M + om, weights=other["amt"][on_cur],
                            minlength=n * M).reshape(n, M)
    # Target month-end balances: the customer's level, trend, noise, draining when leaving.
    noise = np.empty((n, M))
    z = rng.standard_normal(n)
    for m in range(M):
        z = 0.6 * z + 0.8 * rng.standard_normal(n)
        noise[:, m] = np.exp(0.25 * z)
    residual = rng.uniform(0, 0.01, n)[:, None]
    stress = np.where(w["overdue"][idx][:, None] & (np.arange(M)[None, :] >= M - 3), 0.35, 1.0)
    target = bal[:, None] * trend ** 0.8 * noise * np.maximum(fade, residual) * stress
    typical = np.maximum(turnover / np.maximum(lam, 1), 100)

    E_prev = np.where(pre, e0, 0.0)
    flow = np.zeros((n, M))
    for m in range(M):
        opened_here = (onboard >= cal.mstart[m]) & (onboard < cal.mend[m])
        base = E_prev + other_net[:, m]
        if np.any(opened_here):
            base = np.where(opened_here, other_net[:, m], base)
        c = counts[:, m]
        want = target[:, m] - base
        single = np.sign(want) * np.minimum(np.abs(want), typical * rng.uniform(0.3, 1.5, n))
        f = np.where(c >= 2, want, np.where(c == 1, single, 0.0))
        flow[:, m] = f
        E_prev = base + f
        E_prev = np.where((onboard >= cal.mend[m]), 0.0, E_prev)

    ci_, cm_ = np.nonzero(counts)
    r = counts[ci_, cm_]
    g = np.repeat(ci_ * M + cm_, r)
    c, m = g // M, g % M
    start = np.cumsum(r) - r
    rank = np.arange(len(g)) - np.repeat(start, r)
    F = flow[c, m]
    single = counts[c, m] == 1
    inflow = np.where(single, F >= 0, (rank == 0) | ((rank >= 2) & (rng.random(len(g)) < 0.45)))
    wts = rng.lognormal(0, 0.9, len(g))
    w_in = np.bincount(g, weights=wts * inflow, minlength=n * M)
    w_out = np.bincount(g, weights=wts * ~inflow, minlength=n * M)
    gross = turnover[c] * ratio[c, m] * 2
    gross = np.maximum(gross, np.abs(F) * 1.1 + 200)
    amount = np.where(inflow, (gross + F) / 2 * wts / np.maximum(w_in[g], 1e-9),
                      -(gross - F) / 2 * wts / np.maximum(w_out[g], 1e-9))
    amount = np.where(single, F, amount)

    # Channel by the customer's habits: digital ones use mobile and online, cash-heavy ones
    # the branch and ATMs; the kind follows from direction and channel.
    chans = np.array([CHAN[x] for x in ("transfer", "mobile", "online", "branch", "atm")])
    p = np.stack([np.full(n, 0.3), 0.5 * digital, 0.3 * digital + 0.05,
                  0.4 * (1 - digital) * (0.3 + cash), 0.5 * cash], axis=1)
    p = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    ch = (rng.random(len(g))[:, None] > p[c]).sum(axis=1)
    ch = np.minimum(ch, 4)
    is_cash = ch >= 3
    amount = np.where(is_cash, np.sign(amount) * np.maximum(np.round(np.abs(amount), -2), 100),
                      np.round(amount, 2))
    ch = np.where((ch == 4) & (np.abs(amount) > 20000), 3, ch)  # big cash goes to the branch
    kind_in = np.array([KIND["transfer"], KIND["transfer"], KIND["transfer"], KIND["deposit"],
                        KIND["deposit"]])
    kind_out = np.array([KIND["transfer"], KIND["payment"], KIND["payment"], KIND["withdrawal"],
                         KIND["withdrawal"]])
    kind = np.where(inflow, kind_in[ch], kind_out[ch])
    desc_in = np.array([[DESC["销售回款"], DESC["货款收入"], DESC["转账收入"]],
                        [DESC["手机银行转入"], DESC["销售回款"], DESC["货款收入"]],
                        [DESC["网银转入"], DESC["货款收入"], DESC["销售回款"]],
                        [DESC["现金存入"]] * 3, [DESC["现金存入"]] * 3])
    desc_out = np.array([[DESC["转账支出"], DESC["支付货款"], DESC["采购原材料"]],
                         [DESC["手机银行付款"], DESC["支付运费"], DESC["员工报销"]],
                         [DESC["网银付款"], DESC["缴纳税费"], DESC["支付房租"]],
                         [DESC["现金支取"], DESC["水电燃气费"], DESC["现金支取"]],
                         [DESC["现金支取"], DESC["现金支取"], DESC["现金支取"]]])
    pick = rng.integers(0, 3, len(g))
    desc = np.where(inflow, desc_in[ch, pick], desc_out[ch, pick])
    # Receipts tend to come before the payments they fund: businesses pay once paid.
    day_a = cal.sample_days(rng, m, profile[c])
    day_b = cal.sample_days(rng, m, profile[c])
    day = np.where(inflow, np.minimum(day_a, day_b), np.maximum(day_a, day_b))
    hours = np.where(ch <= 2, _seconds(rng, len(g), 7.5, 22), _seconds(rng, len(g), 9, 17))
    keep = (day > onboard[c]) & (day < D) & (amount != 0)
    if not keep.any():
        return
    rows.add(cur[c][keep], (day * DAY + hours)[keep], amount[keep], "transfer",
             CHANNELS.index("transfer"), True, 0, stop=True, free=True)
    last = rows.parts[-1]
    last["kind"] = kind[keep].astype(np.int8)
    last["chan"] = chans[ch][keep].astype(np.int8)
    last["desc"] = desc[keep].astype(np.int16)


def _month_end_balances(cal, tx, n_acc) -> np.ndarray:
    """Balance of every account at the end of every month, from rows sorted by (acc, t)."""
    K = np.int64(1 << 34)
    keys = tx["acc"] * K + tx["t"] + 1
    run = np.cumsum(tx["amt"])
    accounts = np.arange(n_acc, dtype=np.int64)
    start = np.searchsorted(keys, accounts * K, side="left")
    base = np.where(start > 0, run[np.maximum(start - 1, 0)], 0) if len(run) else np.zeros(n_acc)
    out = np.zeros((n_acc, cal.M))
    for m in range(cal.M):
        pos = np.searchsorted(keys, accounts * K + cal.mend[m] * DAY + 1, side="left")
        has = pos > start
        out[:, m] = np.where(has, run[np.maximum(pos - 1, 0)] - base, 0) / 100 if len(run) else 0
    return out


def _settle(rng, cal, tx, accs, packages, tier, close_day) -> tuple[dict, np.ndarray]:
    """Order rows, keep balances >= 0, charge package fees, settle closed customers.

    Returns the final rows (amounts in cents) and every account's month-end balances.
    """
    big = BIG
    code = accs["code"]
    floor_acc = np.isin(code, (*DEPOSIT_LIKE, *CREDIT))
    cents = np.rint(tx["amt"] * 100).astype(np.int64)
    tx["amt"] = cents

    def order(tx):
        o = np.lexsort((tx["t"], tx["acc"]))
        return _take(tx, o)

    def lift(tx):
        """Raise each account's first amount so its running balance never dips below zero."""
        acc = tx["acc"]
        if not len(acc):
            return tx
        run = np.cumsum(tx["amt"])
        first = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
        base = np.repeat(run[first] - tx["amt"][first], np.diff(np.r_[first, len(acc)]))
        run = run - base
        low = np.minimum.reduceat(run, first) if len(first) else np.zeros(0, dtype=np.int64)
        need = np.where(floor_acc[acc[first]], np.maximum(-low, 0), 0)
        tx["amt"][first] += need
        return tx

    tx = lift(order(tx))
    # Package fees: month-end balance (with linked deposits for the higher tiers) below the
    # tier's minimum, charged on the first day of the next month.
    n, M = len(tier), cal.M
    month_end = _month_end_balances(cal, tx, len(code))
    cur_bal = np.zeros((n, M))
    linked_bal = np.zeros((n, M))
    for c_code in LINKED:
        sel = code == c_code
        np.add.at(linked_bal, accs["cust"][sel], month_end[sel])
    cur_bal[accs["cust"][code == "CUR"]] = month_end[code == "CUR"]
    fees = np.zeros((n, M))
    for name, pkg in packages.items():
        sel = tier == name
        basis = linked_bal[sel] if pkg.counts_linked_accounts else cur_bal[sel]
        fee = np.zeros_like(basis)
        rules = sorted(pkg.fee_rules or [], key=lambda r: -r["below"])
        if rules:
            for rule in rules:  # from the highest threshold down: the lowest applicable wins
                fee = np.where(basis < rule["below"], float(rule["fee"]), fee)
        else:
            fee = np.where(basis < float(pkg.min_balance), float(pkg.monthly_fee), 0.0)
        fees[sel] = fee
    cur = np.flatnonzero(code == "CUR")
    cust_of_cur = accs["cust"][cur]
    opened_cur = accs["open"][cur]
    alive_m = (cal.mend[None, :] > opened_cur[:, None] + 1) & \
        (cal.mend[None, :] < close_day[cust_of_cur][:, None])
    fees[cust_of_cur] = np.where(alive_m, fees[cust_of_cur], 0)
    # Basic tier: transactions beyond the first 100 a month cost 1.00 each.
    free_cur = tx["free"] & np.isin(tx["acc"], cur)
    mcount = np.bincount(accs["cust"][tx["acc"][free_cur]] * M
                         + cal.month_of(tx["t"][free_cur] // DAY), minlength=n * M).reshape(n, M)
    over = np.where((tier == "basic")[:, None], np.maximum(mcount - 100, 0) * 1.0, 0)
    extra = _Rows()
    cur_by_cust = np.zeros(n, dtype=np.int64)
    cur_by_cust[cust_of_cur] = cur
    _month_end_charge(rng, extra, cal, cur_by_cust, fees, "fee", "账户管理费")
    _month_end_charge(rng, extra, cal, cur_by_cust, over, "fee", "超额交易手续费")
    fee_rows = extra.concat()
    fee_rows["amt"] = np.rint(fee_rows["amt"] * 100).astype(np.int64)
    keep = fee_rows["t"] < close_day[accs["cust"][fee_rows["acc"]]] * DAY
    tx = lift(order(_join(tx, _take(fee_rows, keep))))

    # Closed customers: every open account is settled to zero on the closing day.
    closing = accs["close"].copy()
    cust_close = close_day[accs["cust"]]
    settle = (cust_close < big) & (closing >= cust_close)
    balance = np.bincount(tx["acc"], weights=tx["amt"], minlength=len(code)).astype(np.int64)
    s = np.flatnonzero(settle & (balance != 0))
    if len(s):
        is_credit = np.isin(code[s], CREDIT)
        closing_rows = {
            "acc": s, "t": cust_close[s] * DAY + _seconds(rng, len(s), 10, 15),
            "amt": -balance[s],
            "kind": np.where(is_credit, KIND["repayment"], KIND["withdrawal"]).astype(np.int8),
            "chan": np.full(len(s), CHAN["branch"], dtype=np.int8), "ci": np.ones(len(s), bool),
            "desc": np.where(is_credit, DESC["提前结清贷款"], DESC["销户结清"]).astype(np.int16),
            "stop": np.zeros(len(s), bool), "free": np.zeros(len(s), bool)}
        tx = order(_join(tx, closing_rows))
    accs["close"] = np.where(settle, cust_close, closing)
    return tx, month_end


# --------------------------------------------------------------------------- writing


def _write_batch(w, idx, sim, cal, products, staff, utc_start, state) -> None:
    """Insert one batch: customers, then accounts, then transactions (Core bulk inserts)."""
    accs, tx = sim["accounts"], sim["tx"]
    n, D = len(idx), cal.D
    big = BIG
    month_end = sim["month_end"]
    balance_c = np.bincount(tx["acc"], weights=tx["amt"], minlength=len(accs["cust"]))
    balance_c = np.rint(balance_c).astype(np.int64)

    # Status from the customer's own activity (DESIGN §2.3 key moments).
    own = tx["ci"]
    last_ci = np.full(n, -big)
    if own.any():
        np.maximum.at(last_ci, accs["cust"][tx["acc"][own]], tx["t"][own] // DAY)
    exit_day = w["exit"][idx]
    # Without own activity in the window, the last sign of life came before it started.
    last = np.where(last_ci > -big, last_ci, np.minimum(exit_day, -1))
    idle = D - last
    closed = w["close"][idx] < big
    status = np.where(closed, "closed", np.where(idle >= 365, "lapsed",
                                                 np.where(idle >= 90, "dormant", "active")))
    w.setdefault("status", np.empty(len(w["revenue"]), dtype=object))[idx] = status

    # Segment from size and value (seed table 客户价值/客户体量).
    code = accs["code"]
    deposit_like = np.isin(code, DEPOSIT_LIKE)
    credit = np.isin(code, CREDIT)
    last3 = month_end[:, -3:].mean(axis=1)
    value = np.zeros(n)
    np.add.at(value, accs["cust"][deposit_like], last3[deposit_like])
    np.add.at(value, accs["cust"][credit], 0.3 * last3[credit])
    rev, emp = w["revenue"][idx], w["employees"][idx]
    size_pts = np.maximum(np.digitize(rev, [2e6, 1.5e7, 8e7]), np.digitize(emp, [10, 50, 200]))
    value_pts = np.digitize(value, [3e4, 2.5e5, 1.5e6])
    total = size_pts + value_pts
    segment = np.where(total >= 5, "large", np.where(total >= 3, "medium",
                                                      np.where(total >= 2, "small", "micro")))
    w.setdefault("segment", np.empty(len(w["revenue"]), dtype=object))[idx] = segment

    now = utcnow().replace(microsecond=0)
    rm_ids = staff["rm_ids"][w["rm"][idx]]
    customer_rows = []
    for j, i in enumerate(idx):
        onboard_on = cal.date_of(w["onboard"][i])
        customer_rows.append({
            "external_id": f"C{i + 1:08d}", "name": w["name_zh"][i], "name_en": w["name_en"][i],
            "industry": IND_KEYS[w["industry"][i]], "region": CITIES[w["city"][i]][0],
            "founded_on": cal.date_of(w["founded"][i]), "employees": int(emp[j]),
            "annual_revenue": float(rev[j]), "owner_name": w["owner_zh"][i],
            "owner_name_en": w["owner_en"][i], "phone": w["phone"][i], "email": w["email"][i],
            "rm_id": int(rm_ids[j]), "tier": str(w["tier"][i]), "segment": str(segment[j]),
            "status": str(status[j]), "consent_marketing": bool(w["consent_marketing"][i]),
            "consent_phone": bool(w["consent_phone"][i]),
            "consent_email": bool(w["consent_email"][i]), "onboarded_on": onboard_on,
            "closed_on": cal.date_of(w["close"][i]) if closed[j] else None,
            "leave_reason": LEAVE_REASONS[w["leave_reason"][i]] if closed[j] else None,
            "created_at": now, "updated_at": now,
        })
    table = Customer.__table__
    ids = db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), customer_rows
    ).scalars().all()
    cust_ids = np.array(ids, dtype=np.int64)
    state["customer_ids"][idx] = cust_ids

    # Accounts.
    prod_ids = {c: p.id for c, p in products.items()}
    seq0 = state["acc_seq"]
    account_rows = []
    overdue = sim["overdue"]
    for j in range(len(code)):
        close = accs["close"][j]
        is_closed = close < D
        mat = accs["mat"][j]
        account_rows.append({
            "external_id": f"A{seq0 + j + 1:09d}", "customer_id": int(cust_ids[accs["cust"][j]]),
            "product_id": prod_ids[code[j]],
            "opened_on": cal.date_of(accs["open"][j]),
            "maturity_on": cal.date_of(mat) if mat < big else None,
            "closed_on": cal.date_of(close) if is_closed else None,
            "balance": balance_c[j] / 100,
            "limit_amount": None if np.isnan(accs["limit"][j]) else float(accs["limit"][j]),
            "rate": None if np.isnan(accs["rate"][j]) else float(accs["rate"][j]),
            "days_overdue": int(overdue[j]), "status": "closed" if is_closed else "open",
        })
    state["acc_seq"] += len(code)
    # Who held what when (window days), for offers of products not held at the time.
    state.setdefault("spans", []).append((idx[accs["cust"]], code, accs["open"], accs["close"]))
    table = Account.__table__
    acc_ids = np.array(db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), account_rows
    ).scalars().all(), dtype=np.int64)
    state["accounts"] += len(acc_ids)
    holders = np.zeros(n, dtype=bool)
    holders[accs["cust"][credit]] = True
    state["credit_holders"][idx] = holders
    w.setdefault("days_overdue", np.zeros(len(w["revenue"]), dtype=np.int64))
    od = np.zeros(n, dtype=np.int64)
    np.maximum.at(od, accs["cust"], overdue)
    w["days_overdue"][idx] = od
    w.setdefault("held_now", {})
    for c in HELD:
        have = np.zeros(n, dtype=bool)
        sel = (code == c) & (accs["close"] >= big)
        have[accs["cust"][sel]] = True
        w["held_now"].setdefault(c, np.zeros(len(w["revenue"]), dtype=bool))[idx] = have
    for c, pcode, day, amount in sim["sales"]:
        state["sales"].append((int(idx[c]), pcode, day, amount))

    # Transactions, in account and time order so ids follow the running balance.
    total = len(tx["acc"])
    seq = state["tx_seq"]
    posted = (utc_start + tx["t"].astype("timedelta64[s]")).astype(object)
    account_id = acc_ids[tx["acc"]].tolist()
    amounts = (tx["amt"] / 100).tolist()
    chans = np.array(CHANNELS, dtype=object)[tx["chan"]].tolist()
    kinds = np.array(TRANSACTION_KINDS, dtype=object)[tx["kind"]].tolist()
    descs = np.array(DESCRIPTIONS, dtype=object)[tx["desc"]].tolist()
    cis = tx["ci"].tolist()
    table = Transaction.__table__
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        chunk = [{"external_id": f"T{seq + r + 1:011d}", "account_id": account_id[r],
                  "posted_at": posted[r], "amount": amounts[r], "channel": chans[r],
                  "kind": kinds[r], "customer_initiated": cis[r], "description": descs[r]}
                 for r in range(lo, hi)]
        db.session.execute(insert(table), chunk)
    state["tx_seq"] += total
    state["transactions"] += total


def _related_parties(rng, w, ids, state) -> int:
    """Owners, guarantors, suppliers and buyers across the bank, and sister companies."""
    n = len(ids)
    rows = {}

    def add(c, kind, other=None, person=None, note=None):
        key = (int(c), kind, None if other is None else int(other), person)
        if other is not None and other == c:
            return
        rows.setdefault(key, note)

    for i in range(n):
        add(i, "owner", person=w["owner_zh"][i], note="法定代表人、实际控制人")
    # Guarantors of borrowers: the owner personally, another person, or another customer.
    borrowers = np.flatnonzero(state["credit_holders"] & (rng.random(n) < 0.7))
    kind_u = rng.random(len(borrowers))
    names, _, _ = _person_names(rng, len(borrowers))
    # Business is mostly local: partners come from the same city more often than not, so
    # most links stay inside a team and some cross to other RMs and teams.
    by_city = {c: np.flatnonzero(w["city"] == c) for c in range(len(CITIES))}
    local = {}
    for i, k in enumerate(IND_KEYS):
        for c in range(len(CITIES)):
            local[k, c] = np.flatnonzero((w["industry"] == i) & (w["city"] == c))

    def pick(pool):
        return int(pool[int(rng.integers(0, len(pool)))])

    partner = [pick(by_city[w["city"][b]]) if rng.random() < 0.8 else int(rng.integers(0, n))
               for b in borrowers]
    for b, u, name, p in zip(borrowers, kind_u, names, partner, strict=True):
        if u < 0.35:
            add(b, "guarantor", person=w["owner_zh"][b], note="实际控制人连带责任保证")
        elif u < 0.65:
            add(b, "guarantor", person=name, note="自然人保证")
        else:
            add(b, "guarantor", other=p, note="企业互保")
    # Supply chains: buyers list their suppliers, chosen from the industries they buy from.
    by_industry = {k: np.flatnonzero(w["industry"] == i) for i, k in enumerate(IND_KEYS)}
    links = rng.poisson(0.9, n)
    for i in np.flatnonzero(links):
        sources = [s for s in SUPPLIED_BY[IND_KEYS[w["industry"][i]]] if len(by_industry[s])]
        if not sources:
            continue
        for _ in range(links[i]):
            source = sources[int(rng.integers(0, len(sources)))]
            nearby = local[source, w["city"][i]]
            j = pick(nearby if len(nearby) and rng.random() < 0.65 else by_industry[source])
            amount = int(rng.integers(5, 500)) * 10
            if rng.random() < 0.7:
                add(i, "supplier", other=j, note=f"主要供应商，年采购约{amount}万元")
            else:
                add(j, "buyer", other=i, note=f"主要客户，年销售约{amount}万元")
    for a, b in w["affiliates"]:
        add(a, "affiliate", other=b, note="同一实际控制人")
    params = [{"customer_id": int(ids[c]), "kind": kind,
               "related_customer_id": None if other is None else int(ids[other]),
               "person_name": person, "note": note}
              for (c, kind, other, person), note in rows.items()]
    for lo in range(0, len(params), CHUNK):
        db.session.execute(insert(RelatedParty.__table__), params[lo:lo + CHUNK])
    return len(params)


OBJECTIVES = {
    "service": ("季度经营情况回访", "定期客户回访", "了解近期资金需求"),
    "pitch": ("推荐{p}", "介绍{p}方案", "沟通{p}需求"),
    "activation": ("开户激活与产品使用指导", "新客户首访，介绍服务包权益"),
    "dormancy": ("久未动户回访，了解经营近况", "账户唤醒沟通"),
    "collection": ("逾期提醒与还款安排", "了解逾期原因，商议还款计划"),
    "sale": ("办理{p}",),
}
NOTES = {
    "reached": ("{o}总反馈近期经营平稳，暂无新需求。", "{o}总表示旺季回款较好，资金周转正常。",
                "了解到企业计划扩大产能，后续关注融资需求。"),
    "info": ("向{o}总介绍了手机银行新功能。", "发送了服务包权益说明和费率表。",
             "向{o}总说明了{p}的办理条件。"),
    "not_reached": ("电话未接通，稍后再联系。", "客户外出，未见到负责人。",
                    "短信已发送，暂无回复。"),
    "interested": ("{o}总对{p}有兴趣，希望先看利率和额度方案。",
                   "{o}总想进一步了解{p}，约定再谈。"),
    "sale": ("已为客户办理{p}，资料齐全。", "{o}总确认办理{p}，已提交审批。"),
    "declined": ("{o}总表示暂不需要{p}，资金比较充裕。", "客户认为{p}费用偏高，暂不考虑。"),
    "follow_up": ("约定下次继续沟通{p}。", "{o}总需要和财务商量，约定回访。"),
    "complaint": ("客户反映网点排队时间过长，已记录并反馈。",
                  "客户对账户管理费有意见，已解释收费规则。"),
}
CONTACT_CHANNELS = ("visit", "call", "video", "message", "email")
SEGMENT_CONTACTS = {  # contacts a month, and channel mix
    "large": (1.0, (0.5, 0.35, 0.05, 0.1, 0.0)),
    "medium": (0.4, (0.25, 0.5, 0.0, 0.2, 0.05)),
    "small": (0.18, (0.05, 0.5, 0.0, 0.3, 0.15)),
    "micro": (0.07, (0.0, 0.15, 0.0, 0.35, 0.5)),
}


def _discussed(code: str, outcome: str) -> dict:
    """A product talked about, as the visit form records it (visits.schemas)."""
    answer = {"sale": "accepted", "declined": "declined"}.get(outcome, "interested")
    item = {"product_code": code, "answer": answer}
    if answer == "declined":
        item["reason"] = DECLINE_REASONS[len(code) % len(DECLINE_REASONS)]
    return item


def _interactions(rng, w, ids, cal, products, staff, offset, state) -> dict:
    """The RMs' past contacts: service calls, pitches, sales, dormancy and collection calls.

    Returns what the app-use history builds on: per contact written (in insertion order)
    the customer, bank day, local second of the window (as transactions count time),
    objective, outcome, product, channel, duration, follow-up day (-1: none) and client id.
    """
    n, D = len(ids), cal.D
    seg = w["segment"]
    onboard = np.maximum(w["onboard"], 0)
    pref_ch = np.array([CONTACT_CHANNELS.index(x) for x in w["pref_channel"]])
    rate = np.array([SEGMENT_CONTACTS[s][0] for s in seg])
    months_known = np.maximum(D - onboard, 0) / 30.44
    count = rng.poisson(rate * months_known)
    ci = np.repeat(np.arange(n), count)
    k = len(ci)
    day = onboard[ci] + (rng.random(k) * np.maximum(D - onboard[ci], 1)).astype(np.int64)
    day = np.minimum(day, w["close"][ci])
    mix = np.array([SEGMENT_CONTACTS[s][1] for s in seg])
    cum = np.cumsum(mix, axis=1)
    channel = np.minimum((rng.random(k)[:, None] > cum[ci]).sum(axis=1), 4)
    # Objective from the customer's situation at the time.
    new = day < onboard[ci] + 90
    exit_day = w["exit"][ci]
    quiet = day > exit_day + 60
    overdue = (w["days_overdue"][ci] > 0) & (day >= D - w["days_overdue"][ci])
    u = rng.random(k)
    objective = np.where(overdue, "collection", np.where(quiet, "dormancy", np.where(
        new & (u < 0.6), "activation", np.where(u < 0.55, "service", "pitch"))))
    # The product pitched: one the customer does not hold, likelier the higher its propensity.
    pitchable = [c for c in HELD if c not in ("CGI",)]
    prop = np.stack([w["propensity"][c] * ~w["held_now"][c] for c in pitchable], axis=1)
    pc = np.cumsum(prop[ci] + 1e-9, axis=1)
    pick = (rng.random(k)[:, None] * pc[:, -1:] > pc).sum(axis=1)
    product = np.array(pitchable)[np.minimum(pick, len(pitchable) - 1)]
    p_true = prop[ci, np.minimum(pick, len(pitchable) - 1)]
    # Reached more often on the preferred channel and near the preferred hour.
    hour = np.where(rng.random(k) < 0.5, w["pref_hour"][ci] + rng.integers(-1, 2, k),
                    rng.integers(9, 18, k))
    hour = np.clip(hour, 8, 20)
    base = np.array([0.95, 0.7, 0.8, 0.6, 0.5])[channel]
    reach = base * np.where(channel == pref_ch[ci], 1.15, 0.9) \
        * np.where(np.abs(hour - w["pref_hour"][ci]) <= 1, 1.15, 0.85)
    reach = np.where(quiet, reach * 0.5, np.clip(reach, 0, 0.98))
    reached = rng.random(k) < reach
    v = rng.random(k)
    outcome = np.where(~reached, "not_reached", np.where(
        objective == "pitch", np.where(v < p_true, np.where(rng.random(k) < 0.5, "interested",
                                                           "follow_up"), "declined"),
        np.where(objective == "collection", np.where(v < 0.6, "follow_up", "reached"),
                 np.where(v < 0.02, "complaint", np.where(v < 0.55, "reached",
                                                          np.where(v < 0.85, "info",
                                                                   "follow_up"))))))
    discussed = np.where(np.isin(objective, ["pitch"]) | (outcome == "info"), product, None)

    # Sales logged just before each product opened in the window.
    sales = state["sales"]
    s_c = np.array([s[0] for s in sales], dtype=np.int64)
    s_code = np.array([s[1] for s in sales], dtype=object)
    s_day = np.array([s[2] for s in sales], dtype=np.int64) - rng.integers(0, 10, len(sales))
    s_amt = np.array([s[3] for s in sales], dtype=float)
    s_ch = np.where(rng.random(len(sales)) < 0.6, 0, 1)
    s_hour = np.clip(w["pref_hour"][s_c] + rng.integers(-1, 2, len(sales)), 8, 20) \
        if len(sales) else np.zeros(0, dtype=np.int64)

    all_c = np.concatenate([ci, s_c])
    all_day = np.concatenate([day, np.maximum(s_day, onboard[s_c] if len(s_c) else s_day)])
    all_ch = np.concatenate([channel, s_ch])
    all_obj = np.concatenate([objective, np.full(len(sales), "sale", dtype=object)])
    all_out = np.concatenate([outcome, np.full(len(sales), "sale", dtype=object)])
    all_prod = np.concatenate([discussed, s_code])
    all_amt = np.concatenate([np.full(k, np.nan), s_amt])
    all_hour = np.concatenate([hour, s_hour]).astype(float)
    total = len(all_c)
    minute = rng.integers(0, 60, total)
    keep = all_day < np.minimum(D, w["close"][all_c])
    names = {c: p.name for c, p in products.items()}
    rm_ids = staff["rm_ids"][w["rm"]]
    uuids = rng.integers(0, 256, (total, 16), dtype=np.uint8)
    uuids[:, 6] = (uuids[:, 6] & 0x0F) | 0x40
    uuids[:, 8] = (uuids[:, 8] & 0x3F) | 0x80
    durations = np.array([(30, 90), (3, 15), (15, 40), (1, 2), (1, 2)])
    dur = rng.integers(durations[all_ch, 0], durations[all_ch, 1] + 1)
    pick_obj = rng.integers(0, 3, total)
    pick_note = rng.integers(0, 3, total)
    fu_days = rng.integers(3, 22, total)
    jitter = rng.normal(0, 0.02, (total, 2))
    created = utcnow().replace(microsecond=0)
    rows = []
    for r in np.flatnonzero(keep):
        c = int(all_c[r])
        prod = all_prod[r]
        pname = names.get(prod, "服务包") if prod else "服务包"
        obj_choices = OBJECTIVES[all_obj[r]]
        note_choices = NOTES[all_out[r]]
        title = SURNAMES[w["surname"][c]][0]
        started_local = datetime.combine(cal.date_of(all_day[r]), datetime.min.time()) + \
            timedelta(hours=float(all_hour[r]), minutes=int(minute[r]))
        out = all_out[r]
        follow = out in ("follow_up", "interested")
        city = CITIES[w["city"][c]]
        rows.append({
            "client_id": str(uuid.UUID(bytes=uuids[r].tobytes())), "version": 1,
            "rm_id": int(rm_ids[c]), "customer_id": int(ids[c]),
            "channel": CONTACT_CHANNELS[all_ch[r]], "started_at": started_local - offset,
            "duration_minutes": int(dur[r]),
            "objective": obj_choices[pick_obj[r] % len(obj_choices)].format(p=pname),
            "outcome": out, "products_discussed": [_discussed(prod, out)] if prod else [],
            "follow_up_on": cal.date_of(all_day[r] + fu_days[r]) if follow else None,
            "follow_up_objective": f"跟进{pname}" if follow else None,
            "notes": note_choices[pick_note[r] % len(note_choices)].format(o=title, p=pname),
            "location": {"lat": round(city[2] + jitter[r, 0], 5),
                         "lng": round(city[3] + jitter[r, 1], 5)} if all_ch[r] == 0 else None,
            "sales_amount": None if np.isnan(all_amt[r]) else float(all_amt[r]),
            "created_at": created,
        })
    for lo in range(0, len(rows), CHUNK):
        db.session.execute(insert(Interaction.__table__), rows[lo:lo + CHUNK])
    kept = np.flatnonzero(keep)
    follows = np.isin(all_out[kept], ["follow_up", "interested"])
    return {"c": all_c[kept], "day": all_day[kept], "obj": all_obj[kept], "out": all_out[kept],
            "prod": all_prod[kept], "channel": all_ch[kept], "dur": dur[kept],
            "t": all_day[kept] * DAY + all_hour[kept].astype(np.int64) * 3600 + minute[kept] * 60,
            "fu_day": np.where(follows, all_day[kept] + fu_days[kept], -1),
            "client_id": [r["client_id"] for r in rows],
            "fu_objective": [r["follow_up_objective"] for r in rows]}


# --------------------------------------------------------------------------- app-use history

HISTORY_DAYS = 120  # plan entries, offers, surveys and referrals of the last months
PITCHABLE = tuple(c for c in HELD if c != "CGI")  # credit insurance goes with a loan only
OFFER_SHARE = 0.09  # customers with offers in the history
# Of the offers made: sold / accepted (not sold yet); the rest presented or declined.
FUNNEL = {"sold": 0.27, "accepted": 0.18, "presented": 0.10, "declined": 0.45}
MARKETING_KINDS = ("offer", "dormancy")
DISMISS_REASONS = ("客户近期已通过其他渠道联系过", "客户出差，下月再约",
                   "客户表示暂无需求，本期不打扰", "已由同事跟进", "客户要求减少营销联系",
                   "企业负责人变更，待确认新联系人")
DECLINE_REASONS = ("资金充裕，暂无需求", "认为费率偏高", "已在他行办理同类业务",
                   "手续繁琐，暂不考虑", "经营规划未定，以后再说", "对产品不了解，不想尝试")
LOST_REASONS = ("客户已在他行办理", "客户暂无实际需求", "利率或费率未达客户预期",
                "客户资质暂不符合准入要求", "多次联系未能约见负责人")
REFERRAL_NEEDS = {
    "WCL": "老板来网点办理个人业务时提到旺季备货资金紧张，想了解流动资金贷款",
    "INST": "企业计划购置新设备，咨询分期贷款的额度和期限",
    "PAY": "企业员工在我行开立工资卡，老板有意把代发工资转到我行",
    "POS": "门店准备开分店，需要开通收单和扫码收款",
    "TD": "企业账上有一笔闲置资金，想了解对公定期存款利率",
    "MMF": "老板希望企业闲置资金既能随时支取又有收益",
    "CMS": "几家关联公司账户分散，希望统一做资金归集",
    "INS": "老板咨询厂房和存货的财产保险",
    "BCARD": "员工出差较多，老板想办理商务卡统一报销",
    "FUND": "企业想把短期闲置资金买货币基金",
}
SURVEY_COMMENTS = {
    5: ("客户经理很专业，响应及时。", "服务热情，解答清楚，点赞！", "办理效率高，非常满意。"),
    4: ("整体不错，希望审批再快一些。", "沟通顺畅，资料准备说明得很清楚。"),
    3: ("还可以，联系时间能再灵活些。", "希望能提前告知所需材料。"),
    2: ("等待时间较长。", "问题没有一次说清楚，来回跑了两趟。"),
    1: ("电话总是打不通，很不满意。",),
}
TOKEN_CHARS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _history(rng, w, ids, cal, products, staff, utc_start, state, contacts) -> dict:
    """The app's use over the last HISTORY_DAYS before today, so reports have a past."""
    past = _History(rng, w, ids, cal, products, staff, utc_start, state, contacts)
    offers = past.offers()
    entries = past.plan(offers)
    surveys_made = past.surveys()
    referrals = past.referrals(offers)
    moments = _past_moments(rng, cal)
    return {"plan_entries": entries, "offers": len(offers), "surveys": surveys_made,
            "referrals": referrals, "moments": moments}


# What the RMs did with a key moment once due: handled within its SLA, handled late,
# dismissed with a reason, or (within the last month only) not yet handled.
MOMENT_FATES = {"in_sla": 0.68, "late": 0.14, "dismissed": 0.10, "open": 0.08}
MOMENT_REPLAY_DAYS = 14  # the detectors are replayed every this many days of the history


def _past_moments(rng, cal: _Calendar) -> int:
    """Key moments of the history window, raised as the nightly detectors would have raised
    them then (activation, renewal, dormancy: replayed on past dates), and their fates.

    Retention needs scores the models have not made yet: its moments start with the first
    pipeline run, as in a bank that has just installed the app.
    """
    config = current_app.config
    sla_days, lookback = config["MOMENT_SLA_DAYS"], config["OVERDUE_LOOKBACK_DAYS"]
    work = WorkCalendar.load()
    today, now = cal.today, utcnow()
    rm_of = dict(db.session.execute(select(Customer.id, Customer.rm_id)).all())
    moment = KeyMoment.__table__
    for back in range(HISTORY_DAYS, 0, -MOMENT_REPLAY_DAYS):
        as_of = today - timedelta(days=back)
        newest = db.session.scalar(select(func.coalesce(func.max(moment.c.id), 0)))
        activity = detectors.last_own_activity(as_of)
        detectors.upsert_moments([*detectors.activation(as_of, work),
                                  *detectors.renewal(as_of, work),
                                  *detectors.dormancy(as_of, activity)])
        raised_at = start_of_bank_day(as_of) + timedelta(hours=2)  # the nightly run
        updates = []
        for mid, cid, kind, due in db.session.execute(
                select(moment.c.id, moment.c.customer_id, moment.c.kind, moment.c.due_on)
                .where(moment.c.id > newest)):
            row = {"mid": mid, "raised": raised_at, "fate": "open", "at": None, "by": None,
                   "why": None}
            updates.append(row)
            if due >= today:
                continue  # not due yet: still open, as the app shows it this morning
            deadline = due + timedelta(days=sla_days.get(kind, sla_days["default"]))
            fate = rng.choice(list(MOMENT_FATES), p=list(MOMENT_FATES.values()))
            if fate == "open" and (today - due).days > lookback:
                fate = "dismissed"
            if fate == "open":
                continue
            at = _handled_at(rng, fate == "late", as_of, due, deadline)
            if at >= now:
                continue
            row.update(fate="done" if fate != "dismissed" else "dismissed", at=at,
                       by=rm_of.get(cid),
                       why=DISMISS_REASONS[int(rng.integers(0, len(DISMISS_REASONS)))]
                       if fate == "dismissed" else None)
        if updates:
            db.session.execute(
                update(moment).where(moment.c.id == bindparam("mid")).values(
                    created_at=bindparam("raised"), state=bindparam("fate"),
                    resolved_at=bindparam("at"), resolved_by=bindparam("by"),
                    resolution=bindparam("why")),
                updates)
    return db.session.scalar(select(func.count()).select_from(moment))


def _handled_at(rng, late: bool, raised: date, due: date, deadline: date) -> datetime:
    """When an RM handled a moment: by its deadline, or up to 12 days after it; never
    before it was raised (an old lapse found by the first run is late)."""
    if late:
        first = max(deadline + timedelta(days=1), raised)
        last = first + timedelta(days=11)
    else:
        first = max(raised, due - timedelta(days=2))
        last = max(deadline, first)
    day = first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))
    return start_of_bank_day(day) + timedelta(hours=float(rng.uniform(8.5, 18.5)))


def _insert(table, rows: list[dict]) -> None:
    """Plain bulk inserts (RETURNING in parameter order goes row by row on SQLite; the new
    ids are read back by their natural keys instead)."""
    for lo in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[lo:lo + CHUNK])


class _History:
    """Past plan entries, offers, surveys and referrals, drawn around the demo contacts.

    Time is counted as transactions count it: seconds from the bank's midnight starting
    day 0 (`utc_start` is that instant in naive UTC). Nothing happens after `now_t`: the
    earlier of the real now and the end of `today`.
    """

    def __init__(self, rng, w, ids, cal, products, staff, utc_start, state, contacts):
        self.rng, self.w, self.ids, self.cal, self.products = rng, w, ids, cal, products
        self.k = contacts
        self.D = cal.D
        self.h0 = max(cal.D - HISTORY_DAYS, 0)
        self.base = utc_start.astype(datetime)
        self.now_t = min(int((utcnow() - self.base).total_seconds()), (cal.D + 1) * DAY)
        self.zone = ZoneInfo(current_app.config["BANK_TIMEZONE"])
        self.start_local = datetime.combine(cal.start, datetime.min.time())
        self.rm_ids = staff["rm_ids"]
        self.referrer = staff["users"]["referrer1"].id
        self.work = WorkCalendar.load()
        self.working = np.array([self.work.is_working(cal.date_of(d)) for d in range(cal.D)],
                                dtype=bool)
        self.on_books = w["close"] >= BIG
        self.sales = state["sales"]
        self.held = defaultdict(list)  # (customer, code) -> [(open day, close day)]
        for cust, code, opened, closed in state.get("spans", []):
            sel = code != "CUR"
            for c, p, o, e in zip(cust[sel].tolist(), code[sel].tolist(), opened[sel].tolist(),
                                  closed[sel].tolist(), strict=True):
                self.held[c, p].append((o, e))
        # Contacts by customer and time, and each one's previous contact (any time).
        k = contacts
        self.order = np.lexsort((k["t"], k["c"]))
        self.by_c = k["c"][self.order]
        self.prev = np.full(len(self.order), -1)
        same = self.by_c[1:] == self.by_c[:-1]
        self.prev[self.order[1:][same]] = self.order[:-1][same]
        # Plain lists for the row-by-row work (numpy scalars are slow one at a time).
        self.kl = {name: (v.tolist() if isinstance(v, np.ndarray) else v)
                   for name, v in contacts.items()}
        self.prev_l = self.prev.tolist()
        policies = list(db.session.scalars(select(ContactPolicy)))
        self.cadence = {p.segment: p.cadence_days for p in policies}
        self.channels = {p.segment: list(p.preferred_channels or ()) for p in policies}
        # Interaction ids of the contacts a history row may point at.
        self.iid = dict(db.session.execute(
            select(Interaction.client_id, Interaction.id)
            .where(Interaction.started_at >= self.stamp((self.h0 - 40) * DAY))).all())

    # ---- helpers

    def stamp(self, t) -> datetime:
        """Naive UTC of a window second."""
        return self.base + timedelta(seconds=int(t))

    def sec(self, lo_hour: float, hi_hour: float) -> int:
        return int(self.rng.uniform(lo_hour, hi_hour) * 3600)

    def workday(self, lo: int, hi: int) -> int | None:
        """A random working day in [lo, hi), or None."""
        lo, hi = max(lo, 0), min(hi, self.D)
        days = np.flatnonzero(self.working[lo:hi]) if hi > lo else []
        return int(days[self.rng.integers(0, len(days))]) + lo if len(days) else None

    def business(self, t: int, minutes: int) -> int:
        """t plus business minutes (09:00-17:30 on working days), as the referral SLA counts."""
        moment = (self.start_local + timedelta(seconds=int(t))).replace(tzinfo=self.zone)
        later = add_business_minutes(self.work, moment, int(minutes))
        return int((later.replace(tzinfo=None) - self.start_local).total_seconds())

    def held_on(self, c: int, code: str, day: int) -> bool:
        return any(o <= day < e for o, e in self.held.get((c, code), ()))

    def free_from(self, c: int, code: str, day: int) -> bool:
        """The customer holds no account of the product on `day` nor opens one later."""
        return all(e <= day for _, e in self.held.get((c, code), ()))

    def contacts_of(self, c: int) -> np.ndarray:
        """The customer's contacts (indexes into the contact arrays), in time order."""
        lo, hi = np.searchsorted(self.by_c, [c, c + 1])
        return self.order[lo:hi]

    def value(self, c: int, code: str) -> float:
        """Expected yearly value of the product to the bank, as the ranking reckons it."""
        w = self.w
        basis = w["balance"][c] * 1.5 if code in DEPOSIT_LIKE else \
            w["revenue"][c] * 0.08 if code in CREDIT else w["turnover"][c] * 0.1
        return max(float(w["propensity"][code][c]) * value_if_sold(self.products[code], basis),
                   50.0)

    # ---- offers

    def offers(self) -> list[dict]:
        """1-2 offers for some customers, moved along the funnel (sold ones were opened)."""
        rng, w, D, h0 = self.rng, self.w, self.D, self.h0
        ok = self.on_books & (w["onboard"] < D - 30)
        per = 1 + (rng.random(int(round(OFFER_SHARE * ok.sum()))) < 0.5)
        total = int(per.sum())
        made = []
        # Sold: an account the customer opened in the window, offered some weeks before.
        sales = [s for s in self.sales if ok[s[0]] and h0 + 7 <= s[2] < D and s[1] in PITCHABLE]
        # Taken in turns from each RM's months, so every RM has sales in most months.
        month = self.cal.month_of(np.array([s[2] for s in sales], dtype=np.int64))
        customers = set()
        for i in _in_turns(rng, [(int(w["rm"][s[0]]), int(m)) for s, m in zip(sales, month,
                                                                                 strict=True)]):
            if len(made) >= round(FUNNEL["sold"] * total):
                break
            c, code, day, amount = sales[i]
            as_of = max(h0, day - int(rng.integers(5, 41)))
            if c in customers or self.held_on(c, code, as_of):
                continue
            amount = amount or 12 * float(self.products[code].monthly_fee or 0)
            made.append({"c": c, "code": code, "as_of": as_of, "state": "sold",
                         "t": day * DAY + self.sec(10, 16.5), "amount": round(float(amount), 2)})
            customers.add(c)
        # The others: presented at a contact when there was one, then accepted or declined.
        rest = total - len(made)
        shares = np.array([FUNNEL[s] for s in ("accepted", "presented", "declined")])
        states = rng.choice(["accepted", "presented", "declined"], rest, p=shares / shares.sum())
        pool = [c for c in np.flatnonzero(ok)[_in_turns(rng, w["rm"][ok].tolist())].tolist()
                if c not in customers]
        s = 0
        for c in pool:
            if s >= rest:
                break
            codes = set()
            for _ in range(min(rest - s, 1 + int(rng.random() < 0.5))):
                st = str(states[s])
                s += 1
                lo = max(h0, int(w["onboard"][c]) + 14,
                         D - {"presented": 30, "accepted": 60}.get(st, HISTORY_DAYS))
                t = self.offer_contact(c, lo)
                if t is None:
                    day = self.workday(lo, D)
                    if day is None:
                        continue
                    t = day * DAY + self.sec(9, 17.5)
                as_of = int(t // DAY)
                free = [p for p in PITCHABLE if p not in codes and self.free_from(c, p, as_of)]
                if not free:
                    continue
                p = np.array([w["propensity"][x][c] for x in free]) + 1e-9
                code = free[int(rng.choice(len(free), p=p / p.sum()))]
                codes.add(code)
                if st != "presented":
                    later = min(as_of + int(rng.integers(0, 11 if st == "accepted" else 8)), D - 1)
                    t = max(t + 600, later * DAY + self.sec(9, 18))
                made.append({"c": c, "code": code, "as_of": as_of, "state": st, "t": t,
                             "amount": None})
        rows = []
        for o in made:
            c, code = o["c"], o["code"]
            p = np.clip(w["propensity"][code][c], 1e-4, 1 - 1e-4)
            score = round(float(_sigmoid(np.log(p / (1 - p)) + rng.normal(0, 0.4))), 6)
            ev = round(self.value(c, code), 2)
            o["ev"] = ev
            rows.append({
                "customer_id": int(self.ids[c]), "product_id": self.products[code].id,
                "as_of": self.cal.date_of(o["as_of"]), "score": score, "expected_value": ev,
                "reasons": [texts.reason("offer.value", ev)],
                "price": None, "state": o["state"], "state_changed_at": self.stamp(o["t"]),
                "decline_reason": DECLINE_REASONS[int(rng.integers(0, len(DECLINE_REASONS)))]
                if o["state"] == "declined" else None,
                "sold_amount": o["amount"],
                "credited_rm_id": int(self.rm_ids[w["rm"][c]]) if o["state"] == "sold" else None,
            })
        _insert(Offer.__table__, rows)
        # One offer a customer and product: the key of the rows just written.
        ids = {(cid, pid): oid for oid, cid, pid in db.session.execute(
            select(Offer.id, Offer.customer_id, Offer.product_id))}
        for o, row in zip(made, rows, strict=True):
            o["id"] = ids[row["customer_id"], row["product_id"]]
        return made

    def offer_contact(self, c: int, lo: int) -> int | None:
        """The time of a random contact that reached the customer on or after day lo."""
        mine = self.contacts_of(c)
        mine = mine[(self.k["day"][mine] >= lo) & (self.k["out"][mine] != "not_reached")]
        if not len(mine):
            return None
        return int(self.k["t"][mine[self.rng.integers(0, len(mine))]])

    # ---- plan entries

    def plan(self, offers: list[dict]) -> int:
        """A done entry for each contact of the window, missed ones before some of them (each
        followed by the contact made, so the planner carries none of them today), and some
        the RM dismissed."""
        k, rng, cal, h0 = self.k, self.rng, self.cal, self.h0
        offer_of = {(o["c"], o["code"]): o for o in offers}
        win = np.flatnonzero(k["day"] >= h0)
        win = win[np.lexsort((k["t"][win], k["c"][win]))]
        entries, where, keyed = [], [], {}
        kc, kday = self.kl["c"], self.kl["day"]
        for j in win.tolist():
            c, day = kc[j], kday[j]
            if (c, day) not in keyed:
                keyed[c, day] = len(entries)
                entries.append(self.done_entry(j, c, day, offer_of))
                where.append((c, day))
        done = len(entries)
        # Missed: the planned contact slipped a working day or two, then it was made.
        target, missed = round(done * 0.10), 0
        for e in rng.permutation(done).tolist():
            if missed >= target:
                break
            c, day = where[e]
            slipped = 1 if rng.random() < 0.75 else 2
            days, d = [], day - 1
            while len(days) < slipped and d >= h0:
                if self.working[d]:
                    days.append(d)
                d -= 1
            if len(days) < slipped or any((c, d) in keyed for d in days):
                continue
            entry = entries[e]
            for n, d in enumerate(sorted(days)):
                keyed[c, d] = len(entries)
                entries.append({**entry, **self.carried(entry, n), "day": cal.date_of(d),
                                "state": "missed", "done_at": None, "version": 1,
                                "updated_at": self.stamp((d + 1) * DAY + 2 * 3600)})
            entries[e] = {**entry, **self.carried(entry, slipped)}
            missed += slipped
        # Dismissed: planned, and the RM said why not.
        target, dismissed = round(done * 0.15), 0
        candidates = np.flatnonzero(self.on_books)
        for _ in range(target * 5 if len(candidates) else 0):
            if dismissed >= target:
                break
            c = int(candidates[rng.integers(0, len(candidates))])
            day = self.workday(max(h0, int(self.w["onboard"][c]) + 1), self.D)
            if day is None or (c, day) in keyed:
                continue
            entry = self.dismissed_entry(c, day)
            if entry is None:
                continue
            keyed[c, day] = len(entries)
            entries.append(entry)
            dismissed += 1
        _insert(PlanEntry.__table__, entries)
        # Each contact of the window points at the done entry of its customer and bank day
        # (one set-based statement: cheaper than an update a row).
        contact, entry = Interaction.__table__, PlanEntry.__table__
        dialect = db.session.get_bind().dialect.name
        day = bank_day_sql(contact.c.started_at, dialect)
        if dialect != "sqlite":  # SQLite keeps dates as 'YYYY-MM-DD' text
            day = cast(day, Date)
        db.session.execute(
            update(contact).where(contact.c.started_at >= self.stamp(h0 * DAY))
            .values(plan_entry_id=select(entry.c.id).where(
                entry.c.customer_id == contact.c.customer_id, entry.c.rm_id == contact.c.rm_id,
                entry.c.state == "done", entry.c.day == day).scalar_subquery()))
        return len(entries)

    @staticmethod
    def carried(entry: dict, times: int) -> dict:
        """The entry as the planner carries it after `times` missed days."""
        if not times:
            return {"carried_days": 0}
        chip = texts.reason("carried", times, times=times)
        return {"carried_days": times, "priority": min(99, entry["priority"] + min(30, 10 * times)),
                "reasons": [chip, *entry["reasons"]][:MAX_REASONS]}

    def entry(self, c: int, day: int, why: tuple, channel: str, hour: int | None) -> dict:
        kind, priority, reasons, objective, sources = why
        return {"rm_id": int(self.rm_ids[self.w["rm"][c]]), "day": self.cal.date_of(day),
                "customer_id": int(self.ids[c]), "reasons": reasons[:MAX_REASONS],
                "objective": objective[0][:200], "objective_en": objective[1][:200],
                "channel": channel, "suggested_hour": hour, "priority": priority,
                "state": "planned", "is_marketing": kind in MARKETING_KINDS, "sources": sources,
                "moment_id": None, "risk_case_id": None, "carried_days": 0, "snoozed_to": None,
                "dismiss_reason": None, "done_at": None, "version": 1}

    def done_entry(self, j: int, c: int, day: int, offer_of: dict) -> dict:
        k = self.kl
        parts = []
        prev = self.prev_l[j]
        if prev >= 0 and day - 14 <= k["fu_day"][prev] <= day + 3:
            parts.append(self.follow_up(prev, day))
        obj, code = k["obj"][j], k["prod"][j]
        if obj == "collection":
            overdue = max(int(self.w["days_overdue"][c]) - (self.D - day), 1)
            severity = 1 if overdue < 30 else 2 if overdue < 90 else 3
            parts.append(("risk", min(99, 90 + 3 * severity),
                          [texts.reason("risk.overdue", overdue)], texts.objective("risk"),
                          ["risk"]))
        elif obj in ("pitch", "sale") and code in PITCHABLE:
            parts.append(self.offer_reason(c, code, offer_of.get((c, code)), obj == "sale"))
        elif obj == "activation":
            age = max(day - int(self.w["onboard"][c]), 1)
            parts.append(("activation", 30, [texts.reason("activation.education", age, day=age)],
                          texts.objective("activation"), ["activation"]))
        elif obj == "dormancy":
            parts.append(self.dormancy(c, day))
        if not parts or obj == "service":
            parts.append(self.cadence_reason(c, day, k["day"][prev] if prev >= 0 else None))
        t = k["t"][j]
        entry = self.entry(c, day, _merge(parts), CONTACT_CHANNELS[k["channel"][j]],
                           t % DAY // 3600)
        done_at = self.stamp(t + k["dur"][j] * 60)
        return {**entry, "state": "done", "done_at": done_at, "version": 2,
                "updated_at": done_at}

    def dismissed_entry(self, c: int, day: int) -> dict | None:
        w, rng = self.w, self.rng
        segment = w["segment"][c]
        mine = self.contacts_of(c)
        before = mine[self.k["day"][mine] < day]
        seen = int(self.k["day"][before[-1]]) if len(before) else None
        marketing = bool(w["consent_marketing"][c])
        if marketing and day > w["exit"][c] + 60:
            why = self.dormancy(c, day)
        elif marketing and (self.cadence.get(segment) is None or rng.random() < 0.3):
            free = [p for p in PITCHABLE if self.free_from(c, p, day)]
            if not free:
                return None
            why = self.offer_reason(c, free[int(rng.integers(0, len(free)))], None, False)
        elif self.cadence.get(segment) is not None:
            why = self.cadence_reason(c, day, seen)
        else:
            return None
        allowed = [x for x in self.channels.get(segment, ["call"])
                   if (x not in ("call", "message") or w["consent_phone"][c])
                   and (x != "email" or w["consent_email"][c])] or ["visit"]
        entry = self.entry(c, day, why, allowed[0], int(w["pref_hour"][c]))
        return {**entry, "state": "dismissed", "version": 2,
                "dismiss_reason": DISMISS_REASONS[int(rng.integers(0, len(DISMISS_REASONS)))],
                "updated_at": self.stamp(day * DAY + self.sec(8.5, 18))}

    def follow_up(self, prev: int, day: int) -> tuple:
        on, at = self.cal.date_of(self.kl["fu_day"][prev]), self.cal.date_of(day)
        text = self.kl["fu_objective"][prev]
        default = texts.objective("follow_up")
        return ("follow_up", 50 + (5 if on < at else 0),
                [texts.reason("follow_up", (on - at).days, on=on)],
                (text or default.zh, default.en),
                [f"follow_up:{self.iid[self.k['client_id'][prev]]}"])

    def offer_reason(self, c: int, code: str, offer: dict | None, sale: bool) -> tuple:
        product = self.products[code]
        value = offer["ev"] if offer else self.value(c, code)
        name = texts.Pair(product.name, product.name_en)
        return ("offer", 30 + min(20, int(value // 1000)),
                [texts.reason("offer", value, product=name)],
                texts.objective("sale" if sale else "offer", product=name),
                [f"offer:{offer['id']}"] if offer else ["offer"])

    def dormancy(self, c: int, day: int) -> tuple:
        idle = max(day - int(self.w["exit"][c]), 0)
        chip = texts.reason("dormancy.dormant" if idle < 365 else "dormancy.lapsed", idle,
                            idle=idle)
        return ("dormancy", 25, [chip], texts.objective("dormancy"), ["dormancy"])

    def cadence_reason(self, c: int, day: int, seen) -> tuple:
        every = self.cadence.get(self.w["segment"][c])
        if seen is None:
            chip, late = texts.reason("cadence.never"), True
        else:
            idle = int(day - seen)
            late = every is not None and idle > every
            chip = texts.reason("cadence.due", idle, text=None if every else "cadence.idle",
                                idle=idle, every=every)
        return ("cadence", 20 + (5 if late else 0), [chip], texts.objective("cadence"),
                ["cadence"])

    # ---- surveys

    def surveys(self) -> int:
        """A sampled share of the contacts that reached someone, one a customer per
        SURVEY_MIN_DAYS; most answered within three days, each RM with their own mean."""
        k, w, rng, config = self.k, self.w, self.rng, current_app.config
        mean = np.clip(rng.normal(4.25, 0.22, len(self.rm_ids)), 3.8, 4.7)
        gap = config["SURVEY_MIN_DAYS"] * DAY
        # The months before the window only say who was asked recently (as in a bank that has
        # surveyed for long), so the surveys spread evenly over the window.
        win = np.flatnonzero((k["day"] >= self.h0 - config["SURVEY_MIN_DAYS"])
                             & (k["out"] != "not_reached"))
        win = win[np.argsort(k["t"][win], kind="stable")]
        last, rows, tokens = {}, [], set()
        for j in win.tolist():
            c = int(k["c"][j])
            client_id = k["client_id"][j]
            if not (w["consent_phone"][c] or w["consent_email"][c]) \
                    or not surveys.sampled(client_id, config["SURVEY_SAMPLE_RATE"]):
                continue
            if k["day"][j] < self.h0:
                if k["t"][j] - last.get(c, -BIG) >= gap:
                    last[c] = int(k["t"][j])
                continue
            created = int(k["t"][j]) + int(k["dur"][j]) * 60 + int(rng.integers(60, 900))
            if created >= self.now_t or created - last.get(c, -BIG) < gap:
                continue
            last[c] = created
            token = "".join(TOKEN_CHARS[rng.integers(0, len(TOKEN_CHARS), 32)])
            if token in tokens:
                continue
            tokens.add(token)
            answered = created + 60 + int(min(rng.exponential(8 * 3600), 3 * DAY - 4 * 3600))
            if not 7 * 3600 <= answered % DAY < 23 * 3600:  # people answer the next morning
                answered = (answered + 2 * 3600) // DAY * DAY + self.sec(7, 9.5)
            answers = rng.random() < 0.6 and answered < self.now_t
            score = int(np.clip(np.rint(rng.normal(mean[w["rm"][c]], 0.8)), 1, 5))
            comment = SURVEY_COMMENTS[score][int(rng.integers(0, len(SURVEY_COMMENTS[score])))] \
                if rng.random() < 0.3 else None
            at = self.stamp(created)
            rows.append({"token": token, "interaction_id": self.iid[client_id],
                         "customer_id": int(self.ids[c]), "rm_id": int(self.rm_ids[w["rm"][c]]),
                         "created_at": at, "sent_at": at,
                         "expires_at": at + timedelta(days=config["SURVEY_TTL_DAYS"]),
                         "answered_at": self.stamp(answered) if answers else None,
                         "score": score if answers else None,
                         "comment": comment if answers else None})
        for lo in range(0, len(rows), CHUNK):
            db.session.execute(insert(Survey.__table__), rows[lo:lo + CHUNK])
        return len(rows)

    # ---- referrals

    def referrals(self, offers: list[dict]) -> int:
        """About two a month for each RM from the referrer: won ones led to a sold offer."""
        w, rng, D, h0 = self.w, self.rng, self.D, self.h0
        months = [(max(int(lo), h0), min(int(hi), D))
                  for lo, hi in zip(self.cal.mstart, self.cal.mend, strict=True)]
        months = [(lo, hi) for lo, hi in months if hi > lo]
        sold = defaultdict(list)
        for o in offers:
            if o["state"] == "sold":
                sold[int(w["rm"][o["c"]])].append(o)
        rows, credited = [], []
        for r in range(len(self.rm_ids)):
            mine = np.flatnonzero(self.on_books & (w["rm"] == r))
            if not len(mine):
                continue
            # 1-3 in a whole month, fewer in the window's part-months
            due = [max(0, int(2 * (hi - lo) / 30.44 + rng.uniform(-1, 1) + 0.5))
                   for lo, hi in months]
            won, made = int(rng.binomial(sum(due), 0.3)), 0
            for i in rng.permutation(len(sold[r])).tolist():
                if made >= won:
                    break
                o = sold[r][i]
                day = self.workday(max(h0, o["as_of"] - 10), o["as_of"])
                m = next((m for m, (lo, hi) in enumerate(months) if lo <= (day or -1) < hi), None)
                if m is None or not due[m]:
                    continue
                due[m] -= 1
                credited.append((o, len(rows)))
                rows.append(self.referral(o["c"], day, o["code"], o))
                made += 1
            for (lo, hi), count in zip(months, due, strict=True):
                for _ in range(count):
                    c = int(mine[rng.integers(0, len(mine))])
                    day = self.workday(max(lo, int(w["onboard"][c]) + 1), hi)
                    if day is None:
                        continue
                    free = [p for p in REFERRAL_NEEDS if self.free_from(c, p, day)] or \
                        list(REFERRAL_NEEDS)
                    p = np.array([w["propensity"][x][c] for x in free]) + 1e-9
                    code = free[int(rng.choice(len(free), p=p / p.sum()))]
                    rows.append(self.referral(c, day, code, None))
        _insert(Referral.__table__, rows)
        # A customer is sold to once in the history, so won referrals go one to a customer.
        won = dict(db.session.execute(select(Referral.customer_id, Referral.id)
                                      .where(Referral.state == "won")).all())
        params = [{"b_id": o["id"], "b_ref": won[rows[i]["customer_id"]]}
                  for o, i in credited if rows[i]["state"] == "won"]
        if params:
            table = Offer.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("b_id"))
                               .values(referral_id=bindparam("b_ref")), params)
        return len(rows)

    def referral(self, c: int, day: int, code: str, offer: dict | None) -> dict:
        rng, D = self.rng, self.D
        created = day * DAY + self.sec(9.2, 17.0)
        ack_due = self.business(created, 60)
        contact_due = self.business(created, 2 * BUSINESS_DAY_MINUTES)
        ack = self.business(created, int(rng.integers(2, 55)) if rng.random() < 0.85
                            else int(rng.integers(61, 240)))
        first = self.business(created, int(rng.integers(60, 2 * BUSINESS_DAY_MINUTES))
                              if rng.random() < 0.85
                              else int(rng.integers(2 * BUSINESS_DAY_MINUTES + 10,
                                                    4 * BUSINESS_DAY_MINUTES)))
        first = max(first, ack + 300)
        closed, reason = None, None
        rm_id = int(self.rm_ids[self.w["rm"][c]])
        credit = None
        if offer is not None:
            state = "won"
            first = max(min(first, offer["as_of"] * DAY + 11 * 3600), ack + 300)
            closed = offer["t"]
            credit = {"rm_id": rm_id, "referrer_id": self.referrer, "offer_id": offer["id"],
                      "amount": float(offer["amount"] or 0)}
        else:
            age = D - day
            lost = rng.random() < (0.15 if age <= 5 else 0.4 if age <= 30 else 0.8)
            state = "lost" if lost else "contacted"
            if lost:
                reason = LOST_REASONS[int(rng.integers(0, len(LOST_REASONS)))]
                if rng.random() < 0.2:  # never reached: lost on acknowledgement
                    first = None
                    closed = self.business(ack, int(rng.integers(60, 3 * BUSINESS_DAY_MINUTES)))
                else:
                    closed = self.business(first, int(rng.integers(
                        BUSINESS_DAY_MINUTES, 15 * BUSINESS_DAY_MINUTES)))
        # Nothing after now: what has not happened yet leaves the referral earlier on its way.
        if closed is not None and closed >= self.now_t:
            state = "contacted" if first is not None else "acknowledged"
            closed, reason, credit = None, None, None
        if first is not None and first >= self.now_t:
            state, first = "acknowledged", None
        if ack >= self.now_t:
            state, ack = "new", None
        line = "private" if rng.random() < 0.3 else "retail"
        need = REFERRAL_NEEDS.get(code, "客户有新的业务需求，请客户经理联系")
        return {"referrer_id": self.referrer, "from_line": line, "customer_id": int(self.ids[c]),
                "prospect": None, "rm_id": rm_id,
                "need": ("私人银行客户（企业主）提到：" if line == "private" else "") + need,
                "product_code": code, "state": state, "created_at": self.stamp(created),
                "alerted_at": self.stamp(created), "ack_due_at": self.stamp(ack_due),
                "contact_due_at": self.stamp(contact_due),
                "acknowledged_at": None if ack is None else self.stamp(ack),
                "first_contact_at": None if first is None else self.stamp(first),
                "closed_at": None if closed is None else self.stamp(closed),
                "lost_reason": reason, "credit": credit}


def _in_turns(rng, keys: list) -> list[int]:
    """Indexes of `keys` shuffled, then in turns: one of each key, then a second of each..."""
    turn, order = defaultdict(int), rng.permutation(len(keys)).tolist()
    rank = []
    for i in order:
        rank.append(turn[keys[i]])
        turn[keys[i]] += 1
    return [order[i] for i in np.argsort(rank, kind="stable").tolist()]


def _merge(parts: list[tuple]) -> tuple:
    """Several reasons for one contact, merged as the planner merges candidates."""
    parts = sorted(parts, key=lambda p: -p[1])
    kind, priority, reasons, objective, sources = parts[0]
    reasons, sources = list(reasons), list(sources)
    for _, p, more, _, src in parts[1:]:
        priority = min(99, max(priority, p) + 5)
        reasons += [r for r in more if r not in reasons]
        sources += src
    return kind, priority, reasons, objective, sources


def _write_truth(path: Path, w: dict, cal: _Calendar) -> None:
    """Write the hidden truth, one row per customer, for checking scoring models later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    big = BIG
    n = len(w["revenue"])
    header = ["external_id", "industry", "trend", "growth_rate", "status", "attrition_hazard_12m",
              "exit_on", "attrites_12m", "default_prob_12m", "defaults_12m",
              "days_overdue", "pref_channel", "pref_hour", "slow_start",
              *[f"p_{c}" for c in PROPENSITY], *[f"holds_{c}" for c in HELD]]
    D = cal.D
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(n):
            ex = w["exit"][i]
            out.writerow([
                f"C{i + 1:08d}", IND_KEYS[w["industry"][i]], w["trend"][i],
                f"{w['growth'][i]:.4f}", w["status"][i], f"{w['hazard'][i]:.4f}",
                "" if ex >= big else cal.date_of(ex).isoformat(),
                int(D <= ex < D + 365),
                f"{w['pd'][i]:.4f}", int(w["defaults_12m"][i] or w["days_overdue"][i] >= 90),
                int(w["days_overdue"][i]), w["pref_channel"][i], int(w["pref_hour"][i]),
                int(w["slow_start"][i]),
                *[f"{w['propensity'][c][i]:.4f}" for c in PROPENSITY],
                *[int(w["held_now"][c][i]) for c in HELD],
            ])


# --------------------------------------------------------------------------- CLI

demo_cli = AppGroup("demo", help="The synthetic demo bank.")


@demo_cli.command("load")
@click.option("--customers", default=1500, show_default=True, type=click.IntRange(1),
              help="Number of customers.")
@click.option("--months", default=24, show_default=True, type=click.IntRange(1, 120),
              help="Months of transaction history up to today.")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed.")
@click.option("--rms", default=5, show_default=True, type=click.IntRange(5),
              help="Relationship managers (teams of about five, each with a lead).")
@click.option("--if-empty", is_flag=True,
              help="Do nothing, quietly, when the database already has customers.")
def load_command(customers, months, seed, rms, if_empty):
    """Load a synthetic demo bank into an empty database."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("The demo bank is never loaded into a production database.")
    if if_empty and db.session.scalar(select(func.count(Customer.id))):
        return
    counts = load(customers=customers, months=months, seed=seed, rms=rms)
    click.echo("Loaded the demo bank: " + ", ".join(
        f"{v} {k.replace('_', ' ')}" for k, v in counts.items()
        if k not in ("truth_path", "seconds")) + f" in {counts['seconds']} s.")
    click.echo(f"Hidden truth for checking models: {counts['truth_path']}")
    click.echo(f"Demo logins (password {PASSWORD}):")
    for username, role, team in _logins(rms):
        click.echo(f"  {username:<10} {role:<9} {team}")


def _logins(rms: int) -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(User.username, User.role, User.team_id).order_by(User.id)).all()
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    shown = [(u, r, teams.get(t, "")) for u, r, t in rows]
    if rms > 5:  # a big bank: the contract users and the count of the others
        contract = {s[0] for s in CONTRACT_STAFF}
        rest = len(shown) - len(contract)
        shown = [s for s in shown if s[0] in contract]
        shown.append((f"(+{rest})", "rm/lead", "rm6.., lead3.."))
    return shown
